/**
 * An MLS (RFC 9420) client on BouncyCastle bcmls, built so that its operations never overlap (seed 002).
 *
 * <ul>
 *   <li>{@link dev.interlock.plugin.mls.MlsClient}: identity, key-package pool, groups; one operation at a time per
 *       client, every library call in the JVM-wide {@link dev.interlock.plugin.mls.MlsLane}.
 *   <li>{@link dev.interlock.plugin.mls.DeliveryService}: one order per group, one commit per epoch;
 *       {@link dev.interlock.plugin.mls.EmbeddedDeliveryService} in process,
 *       {@link dev.interlock.plugin.mls.DeliveryServer} / {@link dev.interlock.plugin.mls.HttpDeliveryClient} over
 *       HTTP.
 *   <li>{@link dev.interlock.plugin.mls.Vault}: Argon2id + AES-GCM, atomic writes.
 *   <li>{@link dev.interlock.plugin.mls.MlsException}: every failure, typed by
 *       {@link dev.interlock.plugin.mls.MlsException.Reason}.
 * </ul>
 *
 * <p>Unless stated otherwise, methods reject {@code null} arguments with {@link NullPointerException}, and
 * asynchronous methods report every other failure through the returned stage.
 */
package dev.interlock.plugin.mls;
