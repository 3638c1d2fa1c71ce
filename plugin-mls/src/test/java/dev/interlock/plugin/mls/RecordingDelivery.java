package dev.interlock.plugin.mls;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A delivery service in front of another that records what passes and can substitute claimed key packages. */
final class RecordingDelivery implements DeliveryService {

    record Commit(byte[] groupId, long epoch, byte[] commit, boolean accepted) {
    }

    final DeliveryService inner;
    final List<Commit> commits = new CopyOnWriteArrayList<>();
    final List<WelcomeFor> welcomes = new CopyOnWriteArrayList<>();
    volatile Function<String, CompletionStage<byte[]>> claimOverride;
    volatile java.util.function.UnaryOperator<List<Envelope>> fetchFilter = l -> l;
    volatile java.util.function.UnaryOperator<byte[]> groupInfoFilter = b -> b;

    RecordingDelivery(DeliveryService inner) {
        this.inner = inner;
    }

    @Override
    public CompletionStage<Void> publishKeyPackages(String identity, List<PublishedKeyPackage> packages) {
        return inner.publishKeyPackages(identity, packages);
    }

    @Override
    public CompletionStage<Integer> keyPackageCount(String identity) {
        return inner.keyPackageCount(identity);
    }

    @Override
    public CompletionStage<Void> withdrawKeyPackages(String identity, List<String> refs) {
        return inner.withdrawKeyPackages(identity, refs);
    }

    @Override
    public CompletionStage<byte[]> claimKeyPackage(String identity) {
        Function<String, CompletionStage<byte[]>> o = claimOverride;
        return o != null ? o.apply(identity) : inner.claimKeyPackage(identity);
    }

    @Override
    public CompletionStage<Void> createGroup(byte[] groupId, byte[] groupInfo) {
        return inner.createGroup(groupId, groupInfo);
    }

    @Override
    public CompletionStage<PostResult> postCommit(byte[] groupId, long epoch, byte[] commit, byte[] nextGroupInfo,
                                                  List<WelcomeFor> w) {
        return inner.postCommit(groupId, epoch, commit, nextGroupInfo, w).thenApply(r -> {
            commits.add(new Commit(groupId, epoch, commit, r.accepted()));
            if (r.accepted()) {
                welcomes.addAll(w);
            }
            return r;
        });
    }

    @Override
    public CompletionStage<PostResult> postApplication(byte[] groupId, long epoch, byte[] message) {
        return inner.postApplication(groupId, epoch, message);
    }

    @Override
    public CompletionStage<List<Envelope>> fetch(byte[] groupId, long afterSeq, int max) {
        return inner.fetch(groupId, afterSeq, max).thenApply(l -> fetchFilter.apply(l));
    }

    @Override
    public CompletionStage<byte[]> groupInfo(byte[] groupId) {
        return inner.groupInfo(groupId).thenApply(b -> groupInfoFilter.apply(b));
    }

    @Override
    public CompletionStage<List<WelcomeEnvelope>> takeWelcomes(String identity) {
        return inner.takeWelcomes(identity);
    }

    @Override
    public AutoCloseable subscribe(String identity, Runnable onNews) {
        return inner.subscribe(identity, onNews);
    }
}
