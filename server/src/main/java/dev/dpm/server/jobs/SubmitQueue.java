package dev.dpm.server.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits with group commit: requests wait in a lock-free queue, the jobs thread validates all that are waiting
 * ({@link JobFactory}, {@link Admission}, idempotency keys against the canonical request), inserts the new jobs in
 * one transaction, and only then announces them and answers the callers.
 *
 * <p>In a cluster the limits count the shared store's queue ({@link QueueCounts}) and the burst is admitted and
 * inserted under the store's admission lock; a job whose new Idempotency-Key another node stored first is not
 * inserted, and its caller gets the answer of a repeated key: that node's job, or 409 for another body.
 */
final class SubmitQueue {
  private static final Logger LOG = LoggerFactory.getLogger(JobService.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private final ConcurrentLinkedQueue<PendingSubmit> pendingSubmits = new ConcurrentLinkedQueue<>();
  private final JobStore store;
  private final JobFactory factory;
  private final Admission admission;
  private final Dispatcher dispatcher;
  private final Lifecycle life;
  private final JobViews views;
  private final JobsThread jobsExec;
  private final BooleanSupplier accepting;
  private final QueueCounts shared; // the cluster's store, or null: count this node's live jobs

  SubmitQueue(JobStore store, JobFactory factory, Admission admission, Dispatcher dispatcher, Lifecycle life,
      JobViews views, JobsThread jobsExec, BooleanSupplier accepting) {
    this(store, factory, admission, dispatcher, life, views, jobsExec, accepting, null);
  }

  SubmitQueue(JobStore store, JobFactory factory, Admission admission, Dispatcher dispatcher, Lifecycle life,
      JobViews views, JobsThread jobsExec, BooleanSupplier accepting, QueueCounts shared) {
    this.shared = shared;
    this.store = store;
    this.factory = factory;
    this.admission = admission;
    this.dispatcher = dispatcher;
    this.life = life;
    this.views = views;
    this.jobsExec = jobsExec;
    this.accepting = accepting;
  }

  CompletableFuture<JobService.Submitted> submit(JobRequest request, String idempotencyKey, String tenant) {
    CompletableFuture<JobService.Submitted> f = new CompletableFuture<>();
    // Idempotency-Keys are per tenant: another tenant's key never replays (or blocks) this one's request
    String key = idempotencyKey == null || tenant == null ? idempotencyKey : tenant + "\u0000" + idempotencyKey;
    pendingSubmits.add(new PendingSubmit(request, key, idempotencyKey, tenant, f));
    if (!jobsExec.offer(this::drainSubmits)) {
      f.completeExceptionally(new Rejection.ShuttingDown().toException());
    }
    return f;
  }

  /** A submit waiting for the jobs thread. */
  private record PendingSubmit(JobRequest request, String key, String clientKey, String tenant,
      CompletableFuture<JobService.Submitted> done) {}

  /** The jobs a drain of pending submits creates, inserted with one commit. */
  private static final class SubmitBatch {
    final List<JobState> created = new ArrayList<>();
    final Map<String, JobState> byKey = new HashMap<>();
  }

  /**
   * Validates every waiting submit, inserts the new jobs in one transaction (group commit: a burst
   * of submits costs one commit), then announces them and answers the callers. A job is durable
   * before its {@code queued} event and before its 202 (dpm-jobs thread).
   */
  private void drainSubmits() {
    List<PendingSubmit> ps = new ArrayList<>();
    PendingSubmit p;
    while ((p = pendingSubmits.poll()) != null) {
      ps.add(p);
    }
    if (ps.isEmpty()) {
      return;
    }
    SubmitBatch batch = new SubmitBatch();
    List<PendingSubmit> ok = new ArrayList<>();
    List<JobService.Submitted> answers = new ArrayList<>();
    Set<String> lost;
    try {
      lost = shared == null ? admitAndInsert(ps, batch, ok, answers)
          : shared.exclusively(() -> admitAndInsert(ps, batch, ok, answers));
    } catch (SQLException | RuntimeException e) {
      LOG.error("event=submit-failed jobs={} error={}", batch.created.size(), e.toString(), e);
      for (JobState st : batch.created) {
        life.live.remove(st.id());
        life.queue.remove(st.id());
      }
      for (PendingSubmit q : ps) {
        q.done().completeExceptionally(e); // those refused already keep their refusal
      }
      return;
    }
    Set<String> lostKeys = new HashSet<>();
    for (JobState st : batch.created) {
      JobRecord r = st.record;
      if (lost.contains(r.id())) { // another node stored this new key first: answered below as a repeated key
        life.live.remove(st.id());
        life.queue.remove(st.id());
        lostKeys.add(r.idempotencyKey());
        LOG.info("event=idempotency-key-race job={} reason=\"another node stored the key first\"", r.id());
        continue;
      }
      LOG.info("event=job-queued job={} kind={} model={} n={} seed={} sampler={}", r.id(), r.kind().wire(),
          r.model(), r.n(), r.seed(), st.sampler == null ? null : st.sampler.settings().kind().wire());
      life.emitQueued(st);
    }
    for (int i = 0; i < ok.size(); i++) {
      PendingSubmit q = ok.get(i);
      if (q.key() != null && lostKeys.contains(q.key())) {
        try {
          q.done().complete(replayOfStored(q));
        } catch (Throwable t) {
          q.done().completeExceptionally(t);
        }
      } else {
        q.done().complete(answers.get(i));
      }
    }
    dispatcher.request();
  }

  /**
   * Validates and admits every waiting submit (a refused one is answered at once) and inserts the new jobs.
   *
   * @return the ids of jobs not inserted because another node stored their Idempotency-Key first
   */
  private Set<String> admitAndInsert(List<PendingSubmit> ps, SubmitBatch batch, List<PendingSubmit> ok,
      List<JobService.Submitted> answers) throws SQLException {
    for (PendingSubmit q : ps) {
      try {
        answers.add(doSubmit(q, batch));
        ok.add(q);
      } catch (Throwable t) {
        q.done().completeExceptionally(t);
      }
    }
    return store.insertNew(batch.created.stream().map(st -> new JobStore.NewJob(st.record, st.work)).toList());
  }

  /** The answer to a submit whose new key another node stored first: exactly that of a repeated key. */
  private JobService.Submitted replayOfStored(PendingSubmit q) throws SQLException {
    JobRecord prior = store.byIdempotencyKey(q.key()).orElseThrow(() -> new SQLException(
        "Idempotency-Key '" + q.clientKey() + "' was taken by another submit that is gone now; retry"));
    if (!sha256(q.request().canonical()).equals(prior.requestHash())) {
      throw new Rejection.KeyReused(q.clientKey()).toException();
    }
    return new JobService.Submitted(views.of(prior), true);
  }

  private JobService.Submitted doSubmit(PendingSubmit q, SubmitBatch batch) throws SQLException {
    JobRequest request = q.request();
    String key = q.key();
    if (!accepting.getAsBoolean()) {
      throw new Rejection.ShuttingDown().toException();
    }
    String hash = sha256(request.canonical());
    if (key != null) {
      JobState inBatch = batch.byKey.get(key);
      Optional<JobRecord> prior = inBatch != null ? Optional.of(inBatch.record) : store.byIdempotencyKey(key);
      if (prior.isPresent()) {
        if (!hash.equals(prior.get().requestHash())) {
          throw new Rejection.KeyReused(q.clientKey()).toException();
        }
        return new JobService.Submitted(inBatch != null ? views.of(inBatch) : views.of(prior.get()), true);
      }
    }
    JobFactory.Prepared job = factory.prepare(request);
    String field = request instanceof JobRequest.Sample ? "n" : "samples";
    if (shared == null) {
      admission.admit(life.live.values(), job.work(), field, q.tenant());
    } else { // the cluster's queue, and this burst's jobs not inserted yet
      admission.admit(shared.counts(q.tenant()).plus(QueueCounts.Counts.of(batch.created, q.tenant())), job.work(),
          field, q.tenant());
    }
    Instant now = Instant.now();
    JobRecord r = new JobRecord(newId(now), request instanceof JobRequest.Sample ? JobKind.SAMPLE : JobKind.CALIBRATION,
        JobStatus.QUEUED, job.model().name(), job.model().sha256(),
        job.model().version(), job.spec(), job.n(), job.seed(), key, hash, now,
        null, null, null, null, 0, job.total(), 0, Lifecycle.SEQ_BLOCK, q.tenant());
    JobState st = new JobState(r.withSeqReserved(Lifecycle.SEQ_BLOCK), job.model(), job.sampler(), job.plan(),
        job.work());
    st.seq = 0;
    dispatcher.enqueue(st); // counted by the limits of the next submits of this batch
    batch.created.add(st);
    if (key != null) {
      batch.byKey.put(key, st);
    }
    return new JobService.Submitted(views.of(st), false);
  }

  private static String newId(Instant now) {
    String t = Long.toString(now.toEpochMilli(), 36);
    StringBuilder sb = new StringBuilder("j_").append(t);
    String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = 0; i < 10; i++) {
      sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private static String sha256(String s) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder();
      for (byte b : h) {
        sb.append(String.format("%02x", b));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

}
