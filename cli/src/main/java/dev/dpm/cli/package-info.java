/**
 * The {@code ./dpm} command line (picocli): {@code plan}, {@code sample}, {@code calibrate},
 * {@code nll}, {@code bench sampler}, and {@code serve} (registered when the server's
 * {@code ServeCommand} is on the class path). Results go to stdout as JSON; progress bars and the
 * one-line error of a bad argument (exit code 2) go to stderr.
 */
package dev.dpm.cli;
