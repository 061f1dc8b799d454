/** The README's Java example, compiled and run by the test suite (public API only). */
package dev.dpm.client.readme;
