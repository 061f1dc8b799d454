package dev.dpm.server.sdk;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of the real server, for fault injection between the SDK and the server:
 * it logs each HTTP request line (with its Idempotency-Key) and response status (with Retry-After),
 * can drop the response to the next {@code POST /v1/jobs} after the server has processed the
 * request, and can cut every open connection (WebSocket tunnels included) without a close frame.
 */
final class TcpProxy implements AutoCloseable {
  /**
   * One logged HTTP message.
   *
   * @param nanos when it passed (System.nanoTime)
   * @param line the request line ("POST /v1/jobs") or the status ("429")
   * @param key the Idempotency-Key of a request, or the Retry-After of a response, or null
   */
  record Entry(long nanos, String line, String key) {}

  private final ServerSocket server;
  private final int upstreamPort;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "tcp-proxy");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  /** Requests and responses in the order they passed. */
  final List<Entry> log = Collections.synchronizedList(new ArrayList<>());
  /** The next this many responses to POST /v1/jobs are swallowed and their connection cut. */
  final AtomicInteger dropNextSubmitResponse = new AtomicInteger();

  TcpProxy(int upstreamPort) throws IOException {
    this.upstreamPort = upstreamPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    pool.execute(this::accept);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** Cuts every open connection at once (no WebSocket close frame), as a network failure would. */
  void cutAll() {
    for (Socket s : List.copyOf(open)) {
      closeQuietly(s);
    }
  }

  /** @return the logged lines that start with a prefix */
  List<Entry> entries(String prefix) {
    synchronized (log) {
      return log.stream().filter(e -> e.line().startsWith(prefix)).toList();
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
        open.add(client);
        open.add(upstream);
        boolean[] dropResponse = new boolean[1];
        pool.execute(() -> pump(client, upstream, true, dropResponse));
        pool.execute(() -> pump(upstream, client, false, dropResponse));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, boolean requests, boolean[] dropResponse) {
    byte[] buf = new byte[64 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) > 0) {
        String head = new String(buf, 0, Math.min(n, 4096), StandardCharsets.ISO_8859_1);
        if (requests && head.matches("(?s)^(GET|POST|DELETE|PUT) .*")) {
          String line = head.substring(0, head.indexOf(" HTTP/"));
          log.add(new Entry(System.nanoTime(), line, header(head, "idempotency-key")));
          if (line.equals("POST /v1/jobs") && dropNextSubmitResponse.getAndUpdate(x -> Math.max(0, x - 1)) > 0) {
            synchronized (dropResponse) {
              dropResponse[0] = true;
            }
          }
        } else if (!requests && head.startsWith("HTTP/1.1 ")) {
          boolean drop;
          synchronized (dropResponse) {
            drop = dropResponse[0];
            dropResponse[0] = false;
          }
          String status = head.substring(9, 12);
          if (drop) {
            log.add(new Entry(System.nanoTime(), "dropped " + status, null));
            closeQuietly(from);
            closeQuietly(to);
            return;
          }
          log.add(new Entry(System.nanoTime(), status, header(head, "retry-after")));
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static String header(String head, String name) {
    for (String l : head.split("\r\n")) {
      int c = l.indexOf(':');
      if (c > 0 && l.substring(0, c).trim().toLowerCase(Locale.ROOT).equals(name)) {
        return l.substring(c + 1).trim();
      }
      if (l.isEmpty()) {
        break;
      }
    }
    return null;
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    cutAll();
    pool.shutdownNow();
  }
}
