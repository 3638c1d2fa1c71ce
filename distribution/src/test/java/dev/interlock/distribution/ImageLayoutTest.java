package dev.interlock.distribution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.attribute.ModuleAttribute;
import java.lang.classfile.attribute.ModulePackagesAttribute;
import java.lang.classfile.attribute.ModuleRequireInfo;
import java.lang.constant.ClassDesc;
import java.lang.constant.ModuleDesc;
import java.lang.constant.PackageDesc;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The layout rules, on small generated modules (exploded directories with a real module-info.class). */
class ImageLayoutTest {

    private static final Set<String> NO_BASE = Set.of();

    @TempDir
    Path pool;

    @Test
    void plan_platformAndTwoPlugins_bootIsRequiresClosurePluginFoldersHoldOnlyPrivateModules() throws IOException {
        Path runtime = module("platform-runtime", "x.runtime", List.of("x.api"), List.of(), false);
        Path api = module("platform-api", "x.api", List.of("x.inject", "java.logging"), List.of("x.annotations"),
                false);
        Path inject = module("inject", "x.inject", List.of(), List.of(), false);
        module("annotations", "x.annotations", List.of(), List.of(), false);
        Path a = module("plugin-alpha", "x.plugin.alpha", List.of("x.api", "lib.shared", "java.sql"), List.of(), true);
        Path b = module("beta-plugin", "x.plugin.beta", List.of("lib.shared", "lib.own"), List.of(), true);
        Path shared = module("shared", "lib.shared", List.of("x.inject"), List.of(), false);
        Path own = module("own", "lib.own", List.of(), List.of(), false);

        ImageLayout.Plan plan = ImageLayout.plan(all(), "x.runtime", Set.of("jdk.httpserver"), ModuleFinder.ofSystem());

        assertThat(plan.boot()).as("requires closure; static requires and plugins stay out")
                .containsOnlyKeys("x.runtime", "x.api", "x.inject");
        assertThat(plan.boot()).containsEntry("x.runtime", runtime).containsEntry("x.api", api)
                .containsEntry("x.inject", inject);
        assertThat(plan.plugins()).containsOnlyKeys("alpha", "beta");
        assertThat(plan.plugins().get("alpha")).as("boot modules are the platform's; JDK modules are linked")
                .containsOnlyKeys("x.plugin.alpha", "lib.shared").containsEntry("x.plugin.alpha", a)
                .containsEntry("lib.shared", shared);
        assertThat(plan.plugins().get("beta")).containsOnlyKeys("x.plugin.beta", "lib.shared", "lib.own")
                .containsEntry("x.plugin.beta", b).containsEntry("lib.own", own);
        assertThat(plan.jdkModules()).contains("jdk.httpserver", "java.sql").doesNotContain("x.annotations");
    }

    @Test
    void plan_automaticModuleInBootLayer_failsNamingTheJarAndModitect() throws IOException {
        module("platform-runtime", "x.runtime", List.of("auto.lib"), List.of(), false);
        Path jar = pool.resolve("auto-lib.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out)) {
            jos.putNextEntry(new JarEntry("auto/lib/Thing.class"));
            jos.write(new byte[] {(byte) 0xCA, (byte) 0xFE});
            jos.closeEntry();
        }

        assertThatThrownBy(() -> ImageLayout.plan(all(), "x.runtime", NO_BASE, ModuleFinder.ofSystem()))
                .isInstanceOf(ImageLayout.LayoutException.class)
                .hasMessageContaining("auto.lib").hasMessageContaining("auto-lib.jar")
                .hasMessageContaining("automatic").hasMessageContaining("moditect");
    }

    @Test
    void plan_pluginRequiresAModuleNobodyHas_failsNamingPluginAndModule() throws IOException {
        module("platform-runtime", "x.runtime", List.of(), List.of(), false);
        module("plugin-alpha", "x.plugin.alpha", List.of("lib.missing"), List.of(), true);

        assertThatThrownBy(() -> ImageLayout.plan(all(), "x.runtime", NO_BASE, ModuleFinder.ofSystem()))
                .isInstanceOf(ImageLayout.LayoutException.class)
                .hasMessageContaining("plugin x.plugin.alpha").hasMessageContaining("lib.missing");
    }

    @Test
    void plan_sameModuleInTwoJars_failsNamingBoth() throws IOException {
        module("platform-runtime", "x.runtime", List.of(), List.of(), false);
        module("one", "lib.twice", List.of(), List.of(), false);
        module("two", "lib.twice", List.of(), List.of(), false);

        assertThatThrownBy(() -> ImageLayout.plan(all(), "x.runtime", NO_BASE, ModuleFinder.ofSystem()))
                .isInstanceOf(ImageLayout.LayoutException.class)
                .hasMessageContaining("lib.twice").hasMessageContaining("one").hasMessageContaining("two");
    }

    @Test
    void plan_baseJdkModuleNotInTheJdk_failsNamingTheProperty() throws IOException {
        module("platform-runtime", "x.runtime", List.of(), List.of(), false);

        assertThatThrownBy(() -> ImageLayout.plan(all(), "x.runtime", Set.of("java.nonexistent"),
                ModuleFinder.ofSystem()))
                .isInstanceOf(ImageLayout.LayoutException.class)
                .hasMessageContaining("java.nonexistent").hasMessageContaining("interlock.image.jdkModules");
    }

    @Test
    void plan_platformModuleMissing_failsNamingIt() throws IOException {
        module("plugin-alpha", "x.plugin.alpha", List.of(), List.of(), true);

        assertThatThrownBy(() -> ImageLayout.plan(all(), "x.runtime", NO_BASE, ModuleFinder.ofSystem()))
                .isInstanceOf(ImageLayout.LayoutException.class).hasMessageContaining("x.runtime");
    }

    @Test
    void jdkModules_blanksAndRepeats_ignored() {
        assertThat(ImageLayout.jdkModules(" java.sql, jdk.net,,java.sql ")).containsExactly("java.sql", "jdk.net");
    }

    @Test
    void folderName_artifactNames_pluginPrefixOrSuffixDropped() {
        assertThat(ImageLayout.folderName(Path.of("plugin-telegram-bridge.jar"))).isEqualTo("telegram-bridge");
        assertThat(ImageLayout.folderName(Path.of("plugin-mse.jar"))).isEqualTo("mse");
        assertThat(ImageLayout.folderName(Path.of("hello-plugin.jar"))).isEqualTo("hello");
        assertThat(ImageLayout.folderName(Path.of("acme.jar"))).isEqualTo("acme");
    }

    private List<Path> all() throws IOException {
        try (var entries = Files.list(pool)) {
            return entries.sorted().toList();
        }
    }

    /**
     * An exploded module {@code pool/<dir>/} whose module-info.class says {@code module name}, requires
     * {@code requires} and {@code requires static staticRequires}, and, for a plugin, provides the Plugin SPI.
     */
    private Path module(String dir, String name, List<String> requires, List<String> staticRequires, boolean plugin)
            throws IOException {
        Path root = Files.createDirectories(pool.resolve(dir));
        PackageDesc pkg = PackageDesc.of(name);
        ModuleAttribute attribute = ModuleAttribute.of(ModuleDesc.of(name), m -> {
            m.requires(ModuleRequireInfo.of(ModuleDesc.of("java.base"), ClassFile.ACC_MANDATED, null));
            requires.forEach(r -> m.requires(ModuleRequireInfo.of(ModuleDesc.of(r), 0, null)));
            staticRequires.forEach(r -> m.requires(ModuleRequireInfo.of(ModuleDesc.of(r),
                    ClassFile.ACC_STATIC_PHASE, null)));
            m.exports(pkg, 0);
            if (plugin) {
                m.provides(ClassDesc.of(ImageLayout.PLUGIN_SERVICE), ClassDesc.of(name + ".ThePlugin"));
            }
        });
        byte[] bytes = ClassFile.of().buildModule(attribute, c -> c.with(ModulePackagesAttribute.ofNames(pkg)));
        Files.write(root.resolve("module-info.class"), bytes);
        return root;
    }
}
