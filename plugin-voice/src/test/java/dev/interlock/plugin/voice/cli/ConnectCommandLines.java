package dev.interlock.plugin.voice.cli;

import java.io.IOException;
import java.io.Reader;

/** Test access to {@link ConnectCommand.BoundedLines} (package-private) from the test package. */
public final class ConnectCommandLines {
    private final ConnectCommand.BoundedLines lines;

    public ConnectCommandLines(Reader in, int max) {
        this.lines = new ConnectCommand.BoundedLines(in, max);
    }

    public String next() throws IOException {
        return lines.next();
    }

    public boolean tooLong() {
        return lines.lastWasTooLong();
    }
}
