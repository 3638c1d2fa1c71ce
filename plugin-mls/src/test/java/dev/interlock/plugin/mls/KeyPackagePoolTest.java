package dev.interlock.plugin.mls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class KeyPackagePoolTest {

    @TempDir
    Path dir;

    @Test
    void login_publishesTargetPlusLastResort() {
        try (Testbed t = new Testbed(7, dir)) {
            MlsClient alice = t.loggedIn("alice");
            assertThat(t.await(t.ds.keyPackageCount("alice"))).isEqualTo(3);
            assertThat(t.await(alice.keyPackagePoolSize())).isEqualTo(4);
            assertThat(t.await(alice.refreshKeyPackages())).as("nothing to do when full").isZero();
        }
    }

    @Test
    void refresh_belowLowWater_refillsToTarget() {
        try (Testbed t = new Testbed(8, dir)) {
            MlsClient alice = t.loggedIn("alice");
            t.await(t.ds.claimKeyPackage("alice"));
            assertThat(t.await(alice.refreshKeyPackages())).as("2 of 3 left is not below low water 2").isZero();
            t.await(t.ds.claimKeyPackage("alice"));
            assertThat(t.await(alice.refreshKeyPackages())).isEqualTo(2);
            assertThat(t.await(t.ds.keyPackageCount("alice"))).isEqualTo(3);
            // claimed ones stay in the pool until a Welcome uses them or they expire
            assertThat(t.await(alice.keyPackagePoolSize())).isEqualTo(6);
        }
    }

    @Test
    void refresh_afterExpiry_replacesEveryPackageIncludingTheLastResort() {
        try (Testbed t = new Testbed(9, dir)) {
            MlsClient alice = t.loggedIn("alice");
            t.scheduler.advanceTime(Duration.ofDays(8));
            assertThat(t.await(t.ds.keyPackageCount("alice"))).as("expired packages are not offered").isZero();
            assertThat(t.await(alice.refreshKeyPackages())).isEqualTo(4);
            assertThat(t.await(t.ds.keyPackageCount("alice"))).isEqualTo(3);
            assertThat(t.await(alice.keyPackagePoolSize())).isEqualTo(4);
        }
    }

    @Test
    void lastResort_handedOutWhenEmpty_keptAndUsableForSeveralGroups() {
        try (Testbed t = new Testbed(10, dir)) {
            MlsClient alice = t.loggedIn("alice");
            MlsClient bob = t.loggedIn("bob");
            for (int i = 0; i < 3; i++) {
                t.await(t.ds.claimKeyPackage("bob"));
            }
            byte[] lastResort = t.await(t.ds.claimKeyPackage("bob"));
            assertThat(t.await(t.ds.claimKeyPackage("bob"))).as("the last resort is not consumed")
                    .isEqualTo(lastResort);
            byte[] g1 = t.await(alice.createGroup());
            byte[] g2 = t.await(alice.createGroup());
            t.await(alice.addMember(g1, "bob"));
            t.await(alice.addMember(g2, "bob"));
            t.scheduler.runUntilIdle();
            assertThat(t.await(bob.groups())).hasSize(2);
        }
    }
}
