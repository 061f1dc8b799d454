/** The server's configuration: one validated record read from flags, a config file and the environment. */
package dev.dpm.server.config;
