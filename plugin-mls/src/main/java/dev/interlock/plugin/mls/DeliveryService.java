package dev.interlock.plugin.mls;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The MLS delivery service (RFC 9420 §16, RFC 9750): publishes key packages and fans out each group's handshake and
 * application messages in ONE order.
 *
 * <h2>Guarantees every implementation gives</h2>
 * <ul>
 *   <li><b>One order per group.</b> Every accepted message gets the next sequence number of its group's log; every
 *       member reads the log in that order, so all members see the same commits in the same order and every
 *       application message between the same two commits.
 *   <li><b>One commit per epoch.</b> {@link #postCommit} succeeds only for the group's current epoch; when two members
 *       commit for the same epoch the first wins and the other gets {@link PostResult#accepted()} {@code false} with
 *       the current epoch. A commit that lost is never delivered to anyone, nor are its Welcomes.
 *   <li><b>Application messages only for the current epoch.</b> {@link #postApplication} rejects a message for an
 *       older epoch the same way, so a member reading the log always holds the epoch a message was sent in.
 *   <li><b>Key packages.</b> {@link #claimKeyPackage} hands each ordinary key package out once; the identity's
 *       last-resort package is handed out only when no other is left and is never removed. Expired ones are never
 *       handed out.
 *   <li><b>Bounded.</b> Requests and logs are bounded; over a limit the stage fails with
 *       {@link MlsException.Reason#BAD_REQUEST} naming the limit.
 * </ul>
 * Failures complete the returned stage exceptionally with an {@link MlsException}.
 */
public interface DeliveryService {

    /** A key package offered for an identity. */
    record PublishedKeyPackage(byte[] keyPackage, long notAfterMillis, boolean lastResort) {
    }

    /** The outcome of a post: the log sequence number if accepted, otherwise the group's current epoch. */
    record PostResult(boolean accepted, long seq, long currentEpoch) {
    }

    /** A Welcome for an identity, with the log position from which the new member reads. */
    record WelcomeFor(String identity, byte[] welcome) {
    }

    /** A delivered Welcome: the new member reads the group's log after {@code afterSeq}. */
    record WelcomeEnvelope(byte[] groupId, byte[] welcome, long afterSeq) {
    }

    /** Kinds of log entries. */
    enum Kind { COMMIT, APPLICATION }

    /** One entry of a group's log. */
    record Envelope(long seq, Kind kind, long epoch, byte[] message) {
    }

    /** Adds key packages for {@code identity}; a new last-resort package replaces the previous one. */
    CompletionStage<Void> publishKeyPackages(String identity, List<PublishedKeyPackage> packages);

    /** Ordinary, unexpired key packages the DS still holds for {@code identity}. */
    CompletionStage<Integer> keyPackageCount(String identity);

    /** Removes the packages with these references (hex SHA-256 of the encoded package message). */
    CompletionStage<Void> withdrawKeyPackages(String identity, List<String> refs);

    /** Hands out one key package of {@code identity}; fails with {@code NO_KEY_PACKAGE} if none. */
    CompletionStage<byte[]> claimKeyPackage(String identity);

    /** Registers a new group at epoch 0 with its creator's GroupInfo. */
    CompletionStage<Void> createGroup(byte[] groupId, byte[] groupInfo);

    /**
     * Offers a commit for {@code epoch}, with the GroupInfo of the epoch it creates and the Welcomes for new members.
     */
    CompletionStage<PostResult> postCommit(byte[] groupId, long epoch, byte[] commit, byte[] nextGroupInfo,
                                           List<WelcomeFor> welcomes);

    /** Offers an application message for {@code epoch}. */
    CompletionStage<PostResult> postApplication(byte[] groupId, long epoch, byte[] message);

    /** Up to {@code max} log entries after {@code afterSeq}, in order. */
    CompletionStage<List<Envelope>> fetch(byte[] groupId, long afterSeq, int max);

    /** The GroupInfo of the group's current epoch, as published with its last accepted commit. */
    CompletionStage<byte[]> groupInfo(byte[] groupId);

    /** Takes the Welcomes waiting for {@code identity}. */
    CompletionStage<List<WelcomeEnvelope>> takeWelcomes(String identity);

    /**
     * Calls {@code onNews} (on the service's scheduler, never on the caller's stack) whenever something may be waiting
     * for {@code identity}: a log append or a Welcome. Spurious calls are allowed; the subscriber then fetches. The
     * returned handle cancels the subscription.
     */
    AutoCloseable subscribe(String identity, Runnable onNews);
}
