package dev.interlock.runtime.launcher;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT (Ctrl-C) as a graceful-stop request. Handling them (instead of letting the JVM exit through its
 * shutdown hooks) lets {@code interlock run} stop the plugins on its main thread and then exit with status 0 rather
 * than 143/130. Where the JVM does not let us handle a signal (e.g. {@code -Xrs}), the shutdown hook still stops the
 * plugins.
 */
final class Signals {

    private static final System.Logger LOG = System.getLogger("interlock.launcher");

    private Signals() {
    }

    static void onTermination(Runnable action) {
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> action.run());
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.DEBUG, "cannot handle SIG{0}: {1}", name, e.getMessage());
            }
        }
    }
}
