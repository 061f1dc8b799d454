package dev.dpm.client;

import java.util.function.Consumer;

/**
 * Callbacks of an event subscription ({@link DpmClient#events(String, JobEventListener)}). Every
 * method has an empty default; override the ones you need. Calls come one at a time, in
 * {@code seq} order, without duplicates, on a thread of the client's executor; keep them short.
 *
 * <p>{@link #onEvent} receives every event and by default dispatches on its type to the typed
 * callbacks. An exception thrown by a callback is logged and does not end the subscription.
 */
public interface JobEventListener {

  /**
   * Every event, in order; by default calls the typed callback for its type.
   *
   * @param e the event
   */
  default void onEvent(JobEvent e) {
    if (e.type() == null) {
      return;
    }
    switch (e.type()) {
      case QUEUED:
        onQueued(e);
        break;
      case STARTED:
        onStarted(e);
        break;
      case PROGRESS:
        onProgress(e);
        break;
      case PREVIEW:
        onPreview(e);
        break;
      case SUCCEEDED:
        onSucceeded(e);
        break;
      case FAILED:
        onFailed(e);
        break;
      case CANCELED:
        onCanceled(e);
        break;
      case UNKNOWN:
      default:
        break;
    }
  }

  /** @param e a {@code queued} event (position; the state event on connect also carries the job) */
  default void onQueued(JobEvent e) {}

  /** @param e a {@code started} event */
  default void onStarted(JobEvent e) {}

  /** @param e a {@code progress} event (step, total, nfe, fraction, etaSeconds) */
  default void onProgress(JobEvent e) {}

  /** @param e a {@code preview} event (step, png; see {@link JobEvent#previewImage()}) */
  default void onPreview(JobEvent e) {}

  /** @param e the terminal {@code succeeded} event, with the job */
  default void onSucceeded(JobEvent e) {}

  /** @param e the terminal {@code failed} event, with the job and the error */
  default void onFailed(JobEvent e) {}

  /** @param e the terminal {@code canceled} event, with the job */
  default void onCanceled(JobEvent e) {}

  /**
   * The subscription ended without its terminal event and will deliver nothing more: the job does
   * not exist ({@link NotFoundException}), or reconnecting failed too often ({@link DpmIoException}).
   *
   * @param error why
   */
  default void onError(DpmException error) {}

  /**
   * @param all called with every event
   * @return a listener for a lambda
   */
  static JobEventListener of(Consumer<JobEvent> all) {
    return new JobEventListener() {
      @Override
      public void onEvent(JobEvent e) {
        all.accept(e);
      }
    };
  }

  /**
   * @param progress called with each {@code progress} event
   * @return a listener that follows progress only
   */
  static JobEventListener progress(Consumer<JobEvent> progress) {
    return new JobEventListener() {
      @Override
      public void onProgress(JobEvent e) {
        progress.accept(e);
      }
    };
  }
}
