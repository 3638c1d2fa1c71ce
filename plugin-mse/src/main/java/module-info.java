/**
 * BitTorrent Message Stream Encryption (MSE, also "PE"): the handshake as initiator and responder, encryption
 * policies, an encrypted (or plain) duplex stream, and the {@code interlock mse connect|listen} commands.
 *
 * <p>The API is {@link dev.interlock.plugin.mse}: {@link dev.interlock.plugin.mse.MseConnector} (outgoing, with the
 * retry-on-a-new-connection rule), {@link dev.interlock.plugin.mse.MseAcceptor} (incoming, a set of info-hashes),
 * {@link dev.interlock.plugin.mse.MseSession} (the established stream). The protocol core is internal.
 */
module dev.interlock.plugin.mse {
    requires dev.interlock.api;
    requires org.bouncycastle.provider;
    requires info.picocli;

    exports dev.interlock.plugin.mse;

    opens dev.interlock.plugin.mse.cli to info.picocli;

    provides dev.interlock.api.plugin.Plugin with dev.interlock.plugin.mse.MsePlugin;
}
