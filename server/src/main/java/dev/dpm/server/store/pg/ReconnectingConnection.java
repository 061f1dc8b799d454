package dev.dpm.server.store.pg;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Connection} that opens a new physical connection when the last one broke (PgJDBC closes a connection
 * after an I/O error, for instance when the database restarted): the call that meets the broken connection fails,
 * the next one runs on a fresh connection (auto-commit on). Callers serialise their use (as the job store does).
 */
final class ReconnectingConnection implements InvocationHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ReconnectingConnection.class);

  /** Opens a physical connection. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  private final Opener opener;
  private Connection current;
  private boolean closed;

  private ReconnectingConnection(Opener opener) throws SQLException {
    this.opener = opener;
    this.current = opener.open();
  }

  /**
   * @param opener how to open a physical connection
   * @return the reconnecting connection (the first physical one is open)
   * @throws SQLException if the first connection cannot be opened
   */
  static Connection open(Opener opener) throws SQLException {
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        new ReconnectingConnection(opener));
  }

  @Override
  public synchronized Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    String name = method.getName();
    if (name.equals("close")) {
      closed = true;
      current.close();
      return null;
    }
    if (name.equals("isClosed")) {
      return closed;
    }
    if (!closed && current.isClosed()) {
      LOG.warn("event=store-reconnect");
      current = opener.open();
      current.setAutoCommit(true);
    }
    try {
      return method.invoke(current, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
