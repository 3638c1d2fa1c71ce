/** The provider SPI behind {@link dev.interlock.api.guard.ConcurrencyGuard}. */
package dev.interlock.api.guard.spi;
