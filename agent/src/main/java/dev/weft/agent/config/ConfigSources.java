package dev.weft.agent.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where an option's value comes from when it is not given as a flag: the environment variable
 * {@code WEFT_<OPTION>} (upper case, dashes as underscores), then the config file (a properties file whose
 * keys are the long option names without dashes, e.g. {@code cluster-range=10.32.0.0/12}), then the default.
 */
public final class ConfigSources implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> env;
    private final Properties file;
    private final Path filePath;

    public ConfigSources(Map<String, String> env, Path configFile) {
        this.env = env;
        this.filePath = configFile;
        this.file = new Properties();
        if (configFile != null) {
            try (Reader r = Files.newBufferedReader(configFile)) {
                file.load(r);
            } catch (IOException e) {
                throw new ConfigException(List.of("--config-file (env WEFT_CONFIG_FILE): cannot read " + configFile
                        + ": " + e.getMessage() + "; give a readable properties file or leave the option unset"));
            }
        }
    }

    /** The config file path from the arguments ({@code --config-file X} or {@code --config-file=X}) or env. */
    public static Path configFileFrom(String[] args, Map<String, String> env) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config-file") && i + 1 < args.length) return Path.of(args[i + 1]);
            if (args[i].startsWith("--config-file=")) return Path.of(args[i].substring("--config-file=".length()));
        }
        String e = env.get("WEFT_CONFIG_FILE");
        return e == null || e.isBlank() ? null : Path.of(e);
    }

    public static String envName(String longOption) {
        return "WEFT_"
                + longOption.replaceFirst("^--", "").toUpperCase(Locale.ROOT).replace('-', '_');
    }

    @Override
    public String defaultValue(ArgSpec spec) {
        if (!(spec instanceof OptionSpec o)) return null;
        String name = o.longestName();
        String fromEnv = env.get(envName(name));
        if (fromEnv != null) return fromEnv;
        String key = name.replaceFirst("^--", "");
        return file.getProperty(key);
    }

    /** Keys in the config file that are not options: a typo there must not be silently ignored. */
    public List<String> unknownFileKeys(Set<String> knownLongNames) {
        List<String> bad = new ArrayList<>();
        for (String k : new TreeSet<>(file.stringPropertyNames())) {
            if (!knownLongNames.contains("--" + k)) {
                bad.add("config file " + filePath + ": unknown key '" + k + "'; allowed keys: "
                        + String.join(
                                ", ",
                                knownLongNames.stream()
                                        .map(n -> n.substring(2))
                                        .sorted()
                                        .toList()));
            }
        }
        return bad;
    }
}
