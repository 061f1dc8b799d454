/**
 * Test kit shared by every module's tests (published as core's test-jar): exact oracles, closed forms and small
 * statistics helpers.
 */
package dev.dpm.testkit;
