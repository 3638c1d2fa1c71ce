/**
 * The Interlock distribution: the build-time tool that lays out the jlink runtime image (which modules go into the
 * boot layer, which jars go into each first-party plugin's folder), and the tests that run the finished image.
 *
 * <p>Nothing here is linked into the image and nothing is exported: the module is run once per build, by
 * {@code exec-maven-plugin}, as {@code -m dev.interlock.distribution/dev.interlock.distribution.ImageLayout}.
 */
module dev.interlock.distribution {
}
