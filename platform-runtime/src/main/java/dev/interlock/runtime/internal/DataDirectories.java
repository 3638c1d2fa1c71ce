package dev.interlock.runtime.internal;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Creates data directories readable, writable and searchable by their owner only (0700). */
final class DataDirectories {

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private DataDirectories() {
    }

    /**
     * Returns {@code root/id}, created if missing with mode 0700 (and {@code root} too, if missing); an existing
     * directory's permissions are narrowed to 0700.
     *
     * @throws IOException if it cannot be created, is not a directory, or is a symbolic link
     */
    static Path prepare(Path root, String id) throws IOException {
        Path dir = root.resolve(id);
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        if (!Files.exists(root)) {
            Files.createDirectories(root, attrs);
        }
        if (Files.isSymbolicLink(dir)) {
            throw new IOException(dir + " is a symbolic link; a plugin's data directory must be a real directory");
        }
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(dir, attrs);
        } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " exists and is not a directory");
        }
        if (posix) {
            Files.setPosixFilePermissions(dir, OWNER_ONLY);
        }
        return dir;
    }
}
