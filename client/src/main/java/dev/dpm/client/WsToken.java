package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;

/**
 * A short-lived WebSocket token ({@code WsToken} in {@code openapi.yaml}, from {@code POST /v1/ws-tokens}): stands for
 * the API key on one WebSocket handshake ({@code ?token=}) within a minute, for clients that cannot send
 * {@code Authorization} (browsers). This SDK sends the key itself and does not need one.
 *
 * @param token the token
 * @param expiresAt when it stops working
 * @param expiresInSeconds its lifetime
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WsToken(String token, Instant expiresAt, int expiresInSeconds) {}
