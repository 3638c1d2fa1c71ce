package dev.interlock.plugin.mls;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/** Starts a child JVM running a test class's main method, on the class path (all modules unnamed there). */
final class ChildJvm {

    private ChildJvm() {
    }

    static List<String> command(Class<?> main) {
        String java = ProcessHandle.current().info().command().orElse("java");
        StringBuilder cp = new StringBuilder();
        for (String prop : new String[]{"jdk.module.path", "java.class.path"}) {
            String v = System.getProperty(prop);
            if (v != null && !v.isBlank()) {
                if (!cp.isEmpty()) {
                    cp.append(File.pathSeparator);
                }
                cp.append(v);
            }
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("-Xshare:auto");
        cmd.add("-cp");
        cmd.add(cp.toString());
        cmd.add(main.getName());
        return cmd;
    }
}
