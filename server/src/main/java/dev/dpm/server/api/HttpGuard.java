package dev.dpm.server.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Netty handler between the HTTP codec and Vert.x, for the two refusals Vert.x makes without a problem body. A
 * request line with an HTTP version other than 1.0 and 1.1 (Vert.x answers a bodiless 501 on its own) is marked as a
 * decoder failure ({@link UnsupportedVersion}), so that the server's {@code invalidRequestHandler}
 * ({@link Edge#invalidRequest}) answers it: a 400 problem of type {@code /problems/http-version} (not 505: bad input
 * is a 4xx in this API). A body the decoder cannot parse (a bad chunk size; Vert.x
 * closes the connection at once, dropping any answer not yet flushed) gets a 400 problem written and flushed here,
 * then the connection closes; if the answer to that request had begun already (a GET answered before its stray body
 * was read), that answer is finished and the connection closes after it.
 *
 * <p>It reaches the channel pipeline through Vert.x's connection implementation ({@code ConnectionBase}); on a
 * connection of another kind (HTTP/2) it is not installed and Vert.x's own behaviour stays.
 */
final class HttpGuard extends ChannelDuplexHandler {
  private static final Logger LOG = LoggerFactory.getLogger(HttpGuard.class);
  static final String NAME = "dpm-http-guard";
  private boolean responseStarted;
  private boolean responseDone;
  private boolean refused;

  /** The decoder-failure cause of a request line with an unsupported HTTP version. */
  static final class UnsupportedVersion extends IllegalArgumentException {
    UnsupportedVersion(String version) {
      super("unsupported HTTP version " + version);
    }
  }

  /**
   * Puts the guard in front of Vert.x's handler of the connection's pipeline (called from the server's connection
   * handler, before any request is read).
   *
   * @param conn a new connection
   * @return whether it was installed
   */
  static boolean install(HttpConnection conn) {
    if (!(conn instanceof io.vertx.core.net.impl.ConnectionBase cb)) {
      return false;
    }
    ChannelPipeline p = cb.channelHandlerContext().pipeline();
    if (p.get("httpDecoder") == null || p.get("handler") == null || p.get(NAME) != null) {
      return false;
    }
    p.addBefore("handler", NAME, new HttpGuard());
    return true;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest req) {
      responseStarted = false;
      responseDone = false;
      HttpVersion v = req.protocolVersion();
      if (req.decoderResult().isSuccess() && !HttpVersion.HTTP_1_1.equals(v) && !HttpVersion.HTTP_1_0.equals(v)) {
        req.setProtocolVersion(HttpVersion.HTTP_1_1); // the answer is HTTP/1.1
        req.setDecoderResult(DecoderResult.failure(new UnsupportedVersion(v.text())));
      }
    } else if (msg instanceof HttpContent c && c.decoderResult().isFailure()) {
      refused = true;
      String why = String.valueOf(c.decoderResult().cause().getMessage());
      ReferenceCountUtil.release(msg);
      LOG.warn("event=request-refused status=400 reason=\"malformed body: {}\"", why);
      if (!responseStarted) {
        ctx.writeAndFlush(problem()).addListener(ChannelFutureListener.CLOSE);
      } else if (responseDone) {
        ctx.flush();
        ctx.close();
      } // else the answer is on its way: write() closes the connection after its last part
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse) {
      responseStarted = true;
      responseDone = false;
    }
    boolean last = msg instanceof LastHttpContent;
    responseDone |= last;
    if (refused && last) {
      ChannelPromise p = promise.unvoid();
      ctx.write(msg, p);
      p.addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.write(msg, promise);
  }

  private static FullHttpResponse problem() {
    byte[] body = new JsonObject().put("type", "/problems/bad-request").put("title", "Bad request").put("status", 400)
        .put("detail", "the request body could not be parsed (malformed chunked encoding)").encode()
        .getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
        Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
        .set(HttpHeaderNames.CONTENT_LENGTH, body.length).set(HttpHeaderNames.CONNECTION, "close");
    return r;
  }
}
