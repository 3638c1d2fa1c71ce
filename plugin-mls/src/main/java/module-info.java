/**
 * An MLS (RFC 9420) client on BouncyCastle's bcmls whose library calls never overlap (seed 002), with a delivery
 * service (embedded, or over HTTP on {@code jdk.httpserver}) and a password-sealed vault.
 *
 * <p>bcmls does not export {@code org.bouncycastle.mls.TreeKEM}, which its public API needs. This module is compiled
 * and tested with {@code --add-exports org.bouncycastle.mls/org.bouncycastle.mls.TreeKEM=dev.interlock.plugin.mls};
 * a host that loads bcmls into this plugin's layer must grant the same export with
 * {@code ModuleLayer.Controller.addExports}.
 */
module dev.interlock.plugin.mls {
    requires dev.interlock.api;
    requires org.bouncycastle.mls;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.util;
    requires org.bouncycastle.pkix;
    requires com.fasterxml.jackson.databind;
    requires jdk.httpserver;
    requires java.net.http;
    requires info.picocli;

    exports dev.interlock.plugin.mls;

    opens dev.interlock.plugin.mls.cli to info.picocli;

    provides dev.interlock.api.plugin.Plugin with dev.interlock.plugin.mls.MlsPlugin;
}
