package io.iotgateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A headless Chromium driven by Selenium through the system's {@code chromium} and {@code chromedriver} (Debian
 * packages {@code chromium} and {@code chromium-driver}; {@code .ci/run} installs them). Shared by every browser test.
 *
 * <pre>{@code
 * try (HeadlessBrowser browser = HeadlessBrowser.start()) {   // skips the test when chromium is absent
 *     browser.withBasicAuth("admin", "secret").open("http://localhost:" + port + "/actuator/hawtio/camel/routes");
 *     browser.awaitText("ingest-receive-devices");
 *     browser.screenshot("hawtio-routes");                    // target/screenshots/hawtio-routes.png
 * }
 * }</pre>
 */
public final class HeadlessBrowser implements AutoCloseable {

    public static final Path CHROMIUM = Path.of(System.getProperty("iotgateway.test.chromium", "/usr/bin/chromium"));
    public static final Path CHROMEDRIVER =
            Path.of(System.getProperty("iotgateway.test.chromedriver", "/usr/bin/chromedriver"));
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    // Selenium warns that it has no CDP bindings for this Chromium version; the raw CDP commands used here go
    // through chromedriver and need none. Kept in a field: java.util.logging holds loggers weakly.
    private static final Logger CDP_VERSION_LOG = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_VERSION_LOG.setLevel(Level.SEVERE);
    }

    private final ChromeDriver driver;
    private final Path profileDir;

    private HeadlessBrowser(ChromeDriver driver, Path profileDir) {
        this.driver = driver;
        this.profileDir = profileDir;
    }

    /** True when the system chromium and chromedriver are installed. */
    public static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    /**
     * Starts a fresh browser (own empty profile). Skips the calling test (fails it in CI), with the reason, when
     * chromium is not installed.
     */
    public static HeadlessBrowser start() {
        InstalledTool.require(
                available(),
                () -> CHROMIUM + " or " + CHROMEDRIVER + " is missing (apt-get install chromium chromium-driver)");
        Path profile;
        try {
            profile = Files.createTempDirectory("iotgateway-chromium-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1400,1000",
                "--user-data-dir=" + profile.toAbsolutePath());
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // An explicit driver executable keeps Selenium Manager from trying to download one.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(DEFAULT_WAIT);
        return new HeadlessBrowser(driver, profile);
    }

    /**
     * Sends HTTP basic credentials with every request the page makes from now on (navigation, XHR and fetch alike),
     * without a login dialog.
     */
    public HeadlessBrowser withBasicAuth(String user, String password) {
        String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        driver.executeCdpCommand("Network.enable", Map.of());
        driver.executeCdpCommand(
                "Network.setExtraHTTPHeaders", Map.of("headers", Map.of("Authorization", "Basic " + token)));
        return this;
    }

    public HeadlessBrowser open(String url) {
        driver.get(url);
        return this;
    }

    /** Waits (bounded) until the page's visible text contains {@code text}. */
    public HeadlessBrowser awaitText(String text) {
        return awaitText(text, DEFAULT_WAIT);
    }

    public HeadlessBrowser awaitText(String text, Duration atMost) {
        try {
            new WebDriverWait(driver, atMost)
                    .until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), text));
        } catch (TimeoutException e) {
            throw new AssertionError(
                    "page " + driver.getCurrentUrl() + " did not show '" + text + "' within " + atMost + "; it shows: "
                            + abbreviate(visibleText()),
                    e);
        }
        return this;
    }

    /** Waits (bounded) until an element matching {@code locator} is visible, and returns it. */
    public WebElement awaitElement(By locator) {
        return awaitElement(locator, DEFAULT_WAIT);
    }

    public WebElement awaitElement(By locator, Duration atMost) {
        try {
            return new WebDriverWait(driver, atMost).until(ExpectedConditions.visibilityOfElementLocated(locator));
        } catch (TimeoutException e) {
            throw new AssertionError(
                    "page " + driver.getCurrentUrl() + " has no visible " + locator + " after " + atMost, e);
        }
    }

    public List<WebElement> findAll(By locator) {
        return driver.findElements(locator);
    }

    /** The page's visible text. */
    public String visibleText() {
        return driver.findElement(By.tagName("body")).getText();
    }

    /** Saves a PNG of the current page as {@code target/screenshots/<name>.png} and returns its path. */
    public Path screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
            Files.move(shot, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the page wrote to the browser console (errors, failed requests) since the last call. */
    public List<String> consoleLog() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(entry -> entry.getLevel() + " " + entry.getMessage())
                .toList();
    }

    /** The underlying driver, for what this class does not cover (clicks, forms, scripts). */
    public WebDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            deleteProfile();
        }
    }

    private void deleteProfile() {
        try (Stream<Path> files = Files.walk(profileDir)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }

    private static String abbreviate(String text) {
        String flat = text.replaceAll("\\s+", " ").trim();
        return flat.length() <= 500 ? flat : flat.substring(0, 500) + "...";
    }
}
