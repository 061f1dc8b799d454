package dev.dpm.client;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.awt.image.BufferedImage;
import java.util.Base64;

/**
 * One message of a job's event stream ({@code Event} in {@code openapi.yaml}). Which fields are set
 * depends on the type: {@code queued} carries {@code position}; {@code progress} carries step,
 * total, nfe, fraction and etaSeconds; {@code preview} carries step and png; terminal events and the
 * state event sent on connect carry the full {@code job}; {@code failed} carries {@code error}.
 *
 * @param seq per-job sequence number, strictly increasing (also across server restarts)
 * @param jobId the job
 * @param type what happened
 * @param position queue position ({@code queued})
 * @param step steps done
 * @param total steps in all
 * @param nfe network evaluations per sample so far
 * @param fraction work done, in [0, 1]
 * @param etaSeconds estimated seconds to completion, or null
 * @param png base64 PNG of x̂₀ ({@code preview}); see {@link #previewPng()}
 * @param error why the job failed ({@code failed})
 * @param job the full job (terminal and state events)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobEvent(
    long seq,
    String jobId,
    EventType type,
    Integer position,
    Integer step,
    Integer total,
    Integer nfe,
    Double fraction,
    Double etaSeconds,
    String png,
    JobError error,
    Job job) {

  /** @return true for {@code succeeded}, {@code failed} and {@code canceled} */
  @JsonIgnore
  public boolean isTerminal() {
    return type != null && type.isTerminal();
  }

  /** @return the preview PNG's bytes, or null when this event has none */
  public byte[] previewPng() {
    return png == null ? null : Base64.getMimeDecoder().decode(png);
  }

  /**
   * @return the preview decoded as an image, or null when this event has none
   * @throws DpmIoException when the bytes are not a readable PNG
   */
  public BufferedImage previewImage() {
    byte[] b = previewPng();
    return b == null ? null : ResultFile.decodeImage(b);
  }
}
