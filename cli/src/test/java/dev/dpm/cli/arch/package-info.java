/** The module and package rules, enforced with ArchUnit in {@code mvn verify}. */
package dev.dpm.cli.arch;
