package dev.dpm.client.fake;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A minimal HTTP/1.1 server with WebSocket upgrade (RFC 6455, text frames only) on a loopback
 * {@link ServerSocket} with a random port, for tests: one thread per connection, keep-alive,
 * Content-Length bodies. It can also drop a connection without answering, which the JDK's
 * {@code com.sun.net.httpserver} cannot do on purpose.
 */
public final class MiniHttpServer implements AutoCloseable {
  private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** Answers one request. */
  public interface Handler {
    /**
     * @param req the request
     * @param ex how to answer it
     * @throws IOException on socket errors
     */
    void handle(Request req, Exchange ex) throws IOException;
  }

  /**
   * A parsed request.
   *
   * @param method the method
   * @param path the decoded path
   * @param query the decoded query parameters
   * @param headers headers, names lower-case
   * @param body the body (empty when none)
   */
  public record Request(String method, String path, Map<String, String> query, Map<String, String> headers,
      byte[] body) {
    /** @param name a header name @return its value or null */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final ServerSocket server;
  private final Handler handler;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "mini-http");
    t.setDaemon(true);
    return t;
  });
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * Starts the server.
   *
   * @param handler the request handler
   * @throws IOException when the socket cannot be bound
   */
  public MiniHttpServer(Handler handler) throws IOException {
    this.handler = handler;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    pool.execute(this::acceptLoop);
  }

  /** @return http://127.0.0.1:port */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        pool.execute(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (s) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      while (!closed) {
        String line = readLine(in);
        if (line == null) {
          return;
        }
        if (line.isEmpty()) {
          continue;
        }
        String[] parts = line.split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
          int c = h.indexOf(':');
          headers.put(h.substring(0, c).trim().toLowerCase(Locale.ROOT), h.substring(c + 1).trim());
        }
        int len = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(len);
        URI target = URI.create(parts[1]);
        Map<String, String> query = new LinkedHashMap<>();
        if (target.getRawQuery() != null) {
          for (String kv : target.getRawQuery().split("&")) {
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv : kv.substring(0, eq);
            String v = eq < 0 ? "" : kv.substring(eq + 1);
            query.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
          }
        }
        Request req = new Request(parts[0], target.getPath(), query, headers, body);
        Exchange ex = new Exchange(s, in, out, req);
        try {
          handler.handle(req, ex);
        } catch (RuntimeException e) {
          if (!ex.done) {
            ex.respond(500, "text/plain", String.valueOf(e).getBytes(StandardCharsets.UTF_8), Map.of());
          }
        }
        if (ex.webSocket != null) {
          ex.webSocket.readLoop();
          return;
        }
        if (ex.dropped) {
          return;
        }
        if (!ex.done) {
          ex.respond(500, "text/plain", "no response".getBytes(StandardCharsets.UTF_8), Map.of());
        }
        if ("close".equalsIgnoreCase(headers.get("connection"))) {
          return;
        }
      }
    } catch (IOException e) {
      // connection gone
    } finally {
      sockets.remove(s);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    if (c == -1 && b.size() == 0) {
      return null;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    pool.shutdownNow();
  }

  /** How a handler answers: a response, a dropped connection, or a WebSocket upgrade. */
  public static final class Exchange {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Request req;
    private boolean done;
    private boolean dropped;
    private WebSocket webSocket;

    Exchange(Socket socket, InputStream in, OutputStream out, Request req) {
      this.socket = socket;
      this.in = in;
      this.out = out;
      this.req = req;
    }

    /**
     * @param status the status
     * @param contentType the content type, or null
     * @param body the body
     * @param headers extra headers
     * @throws IOException on socket errors
     */
    public void respond(int status, String contentType, byte[] body, Map<String, String> headers) throws IOException {
      StringBuilder h = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
      if (contentType != null) {
        h.append("Content-Type: ").append(contentType).append("\r\n");
      }
      headers.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
      h.append("Content-Length: ").append(body.length).append("\r\n\r\n");
      out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      done = true;
    }

    /** Closes the connection without answering (a response lost on the way). */
    public void drop() {
      dropped = true;
      done = true;
      try {
        socket.close();
      } catch (IOException ignored) {
        // dropping
      }
    }

    /**
     * Accepts a WebSocket upgrade.
     *
     * @return the socket
     * @throws IOException when the request is not a WebSocket upgrade, or on socket errors
     */
    public WebSocket upgrade() throws IOException {
      String key = req.header("sec-websocket-key");
      if (key == null || !"websocket".equalsIgnoreCase(req.header("upgrade"))) {
        throw new IOException("not a WebSocket upgrade");
      }
      String accept;
      try {
        accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
            .digest((key + WS_GUID).getBytes(StandardCharsets.ISO_8859_1)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      String h = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n";
      out.write(h.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      done = true;
      webSocket = new WebSocket(socket, in, out, req);
      return webSocket;
    }

    private static String reason(int status) {
      switch (status) {
        case 200: return "OK";
        case 202: return "Accepted";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 409: return "Conflict";
        case 429: return "Too Many Requests";
        case 503: return "Service Unavailable";
        default: return "Status";
      }
    }
  }

  /** The server side of a WebSocket: send text frames, close politely, or drop. */
  public static final class WebSocket {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Request request;
    private volatile boolean open = true;
    private boolean closeSent;

    WebSocket(Socket socket, InputStream in, OutputStream out, Request request) {
      this.socket = socket;
      this.in = in;
      this.out = out;
      this.request = request;
    }

    /** @return the upgrade request (path, query) */
    public Request request() {
      return request;
    }

    /** @return whether the socket is still open */
    public boolean isOpen() {
      return open;
    }

    /**
     * Sends a text frame (server frames are not masked).
     *
     * @param text the message
     * @return false when the socket is gone
     */
    public synchronized boolean sendText(String text) {
      return frame(0x1, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends a close frame; the socket closes when the client answers it.
     *
     * @param code the close code, e.g. 1000
     */
    public synchronized void close(int code) {
      if (!closeSent) {
        closeSent = true;
        frame(0x8, new byte[] {(byte) (code >> 8), (byte) code});
      }
    }

    /** Drops the TCP connection without a close frame (a network failure). */
    public void abort() {
      open = false;
      try {
        socket.close();
      } catch (IOException ignored) {
        // dropping
      }
    }

    private boolean frame(int opcode, byte[] payload) {
      if (!open) {
        return false;
      }
      try {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(0x80 | opcode);
        int n = payload.length;
        if (n < 126) {
          f.write(n);
        } else if (n < 65536) {
          f.write(126);
          f.write(n >> 8);
          f.write(n);
        } else {
          f.write(127);
          for (int i = 7; i >= 0; i--) {
            f.write((int) ((long) n >> (8 * i)));
          }
        }
        f.write(payload);
        out.write(f.toByteArray());
        out.flush();
        return true;
      } catch (IOException e) {
        open = false;
        return false;
      }
    }

    /** Reads client frames (masked) until the connection ends; answers ping and close. */
    void readLoop() {
      try {
        while (open) {
          int b0 = in.read();
          int b1 = in.read();
          if (b0 < 0 || b1 < 0) {
            break;
          }
          long len = b1 & 0x7f;
          if (len == 126) {
            len = (in.read() << 8) | in.read();
          } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
              len = (len << 8) | in.read();
            }
          }
          byte[] mask = (b1 & 0x80) != 0 ? in.readNBytes(4) : new byte[4];
          byte[] payload = in.readNBytes((int) len);
          for (int i = 0; i < payload.length; i++) {
            payload[i] ^= mask[i % 4];
          }
          int opcode = b0 & 0x0f;
          if (opcode == 0x8) {
            synchronized (this) {
              if (!closeSent) {
                closeSent = true;
                frame(0x8, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
              }
            }
            break;
          } else if (opcode == 0x9) {
            synchronized (this) {
              frame(0xA, payload);
            }
          }
        }
      } catch (IOException e) {
        // gone
      } finally {
        abort();
      }
    }
  }
}
