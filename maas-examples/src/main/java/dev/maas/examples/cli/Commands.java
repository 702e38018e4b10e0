package dev.maas.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.maas.DeployOptions;
import dev.maas.InferenceRequest;
import dev.maas.InferenceResult;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.TensorSpec;
import dev.maas.version.Alias;
import dev.maas.version.AliasChange;
import dev.maas.version.Manifest;
import dev.maas.version.ModelVersion;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The store commands of the CLI. */
final class Commands {
  private Commands() {}

  /** Finds the global options on the root command, wherever a command sits. */
  static GlobalOptions global(CommandSpec spec) {
    CommandSpec s = spec;
    while (s.parent() != null) {
      s = s.parent();
    }
    return ((MaasCli) s.userObject()).global;
  }

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .registerModule(new com.fasterxml.jackson.databind.module.SimpleModule()
          .addSerializer(java.time.Instant.class, new com.fasterxml.jackson.databind.ser.std.ToStringSerializer())
          .addSerializer(java.time.Duration.class, new com.fasterxml.jackson.databind.ser.std.ToStringSerializer())
          .addSerializer(dev.maas.DType.class, new com.fasterxml.jackson.databind.ser.std.ToStringSerializer())
          .addSerializer(dev.maas.Dimension.class, new com.fasterxml.jackson.databind.ser.std.ToStringSerializer()));

  /** {@code maas deploy NAME MODEL.onnx}. */
  @Command(name = "deploy", mixinStandardHelpOptions = true,
      description = "Publish a model file as the next version of NAME; prints the new version number alone on the last line.")
  static final class Deploy implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1", paramLabel = "MODEL.onnx") Path model;

    @Option(names = "--alias", paramLabel = "A", description = "Point this alias at the new version.") String alias;

    @Option(names = "--label", paramLabel = "k=v", description = "A label to record; repeatable.")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--sign-key", paramLabel = "FILE", description = "Ed25519 private key (PKCS#8 PEM) to sign the manifest.")
    Path signKey;

    @Option(names = "--encrypt", description = "Encrypt the model at rest (needs --key-alias and --keystore).")
    boolean encrypt;

    @Option(names = "--key-alias", paramLabel = "K", description = "Master key alias in the keystore.")
    String keyAlias;

    @Override
    public Integer call() {
      DeployOptions opts = DeployOptions.defaults();
      if (encrypt) {
        if (keyAlias == null) {
          throw new IllegalArgumentException("--encrypt needs --key-alias K (and --keystore)");
        }
        opts = opts.withEncryption(keyAlias);
      }
      for (Map.Entry<String, String> e : labels.entrySet()) {
        opts = opts.withLabel(e.getKey(), e.getValue());
      }
      if (alias != null) {
        opts = opts.withAlias(alias);
      }
      ModelService.Builder b = global(spec).builder();
      if (signKey != null) {
        Security.signWith(signKey, b);
      }
      try (ModelService maas = b.build()) {
        ModelVersion v = maas.deploy(name, model, opts);
        PrintWriter out = spec.commandLine().getOut();
        out.println("deployed " + v + (alias != null ? " (" + name + "@" + alias + ")" : ""));
        out.println(v.version());
        out.flush();
      }
      return 0;
    }
  }

  /** {@code maas list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List models with their versions and aliases.")
  static final class ListModels implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Stores.requireExisting(global(spec));
      try (ModelService maas = global(spec).open()) {
        PrintWriter out = spec.commandLine().getOut();
        List<String> models = maas.list();
        if (models.isEmpty()) {
          out.println("no models in " + global(spec).store);
        }
        for (String m : models) {
          List<ModelVersion> vs = maas.versions(m);
          StringBuilder aliases = new StringBuilder();
          for (Alias a : maas.aliases(m)) {
            aliases.append(aliases.length() > 0 ? ", " : "").append(a.name()).append("->").append(a.version());
          }
          out.printf("%-24s versions %-12s latest %-4d aliases %s%n", m,
              vs.size() <= 6 ? vs.stream().map(v -> Long.toString(v.version())).toList().toString() : vs.size() + "",
              vs.get(vs.size() - 1).version(), aliases.length() == 0 ? "-" : aliases);
        }
        out.flush();
      }
      return 0;
    }
  }

  /** {@code maas show REF}. */
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Show a version's manifest, signature status and the model's aliases with history.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME[:V|@A]") String ref;

    @Option(names = "--json", description = "Print JSON.") boolean json;

    @Override
    public Integer call() throws Exception {
      Stores.requireExisting(global(spec));
      ModelRef r = ModelRef.parse(ref);
      try (ModelService maas = global(spec).open()) {
        Manifest m = maas.manifest(r);
        List<Alias> aliases = maas.aliases(r.name());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
          Map<String, Object> doc = new LinkedHashMap<>();
          doc.put("manifest", m);
          doc.put("signature", m.manifestSignature() == null ? "unsigned" : "signed by " + m.manifestSignature().keyId());
          doc.put("aliases", aliases);
          out.println(JSON.writeValueAsString(doc));
        } else {
          out.println(m.modelVersion() + "  (" + m.runtime() + ", published " + m.createdAt() + " by " + m.createdBy() + ")");
          m.blobs().forEach(b -> out.println("  blob " + b.role() + " " + b.fileName() + "  sha256 " + b.sha256() + "  " + b.size() + " bytes"));
          out.println("  signature: " + (m.manifestSignature() == null ? "unsigned"
              : "signed by " + m.manifestSignature().keyId()
                  + (global(spec).trustKeys.isEmpty() ? " (not checked: no --trust-key)" : " (verified)")));
          for (TensorSpec s : m.signature().inputs()) {
            out.println("  input  " + s);
          }
          for (TensorSpec s : m.signature().outputs()) {
            out.println("  output " + s);
          }
          if (!m.labels().isEmpty()) {
            out.println("  labels " + m.labels());
          }
          for (Alias a : aliases) {
            StringBuilder h = new StringBuilder();
            for (AliasChange c : a.history()) {
              h.append(h.length() > 0 ? ", " : "").append(c.version()).append(c.rollback() ? " (rollback)" : "")
                  .append(" by ").append(c.principal()).append(" at ").append(c.at());
            }
            out.println("  alias " + a.name() + " -> " + a.version() + "   history: " + h);
          }
        }
        out.flush();
      }
      return 0;
    }
  }

  /** {@code maas alias set NAME ALIAS VERSION}. */
  @Command(name = "alias", mixinStandardHelpOptions = true, description = "Manage aliases.",
      subcommands = {AliasSet.class})
  static final class AliasCmd implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  /** {@code maas alias set NAME ALIAS VERSION}. */
  @Command(name = "set", mixinStandardHelpOptions = true, description = "Point ALIAS of NAME at VERSION.")
  static final class AliasSet implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1", paramLabel = "ALIAS") String alias;

    @Parameters(index = "2", paramLabel = "VERSION") long version;

    @Override
    public Integer call() {
      return printWith(spec, maas -> {
        Alias a = maas.setAlias(name, alias, version);
        return name + "@" + a.name() + " -> " + a.version();
      });
    }
  }

  /** {@code maas rollback NAME ALIAS}. */
  @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Move ALIAS of NAME back one step.")
  static final class Rollback implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1", paramLabel = "ALIAS") String alias;

    @Override
    public Integer call() {
      return printWith(spec, maas -> {
        Alias a = maas.rollback(name, alias);
        return name + "@" + a.name() + " -> " + a.version() + " (rolled back)";
      });
    }
  }

  /** {@code maas undeploy NAME VERSION}. */
  @Command(name = "undeploy", mixinStandardHelpOptions = true,
      description = "Remove a version (refused while an alias points at it).")
  static final class Undeploy implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Parameters(index = "1", paramLabel = "VERSION") long version;

    @Override
    public Integer call() {
      return printWith(spec, maas -> {
        maas.undeploy(name, version);
        return "undeployed " + name + ":" + version;
      });
    }
  }

  /** {@code maas verify REF}. */
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Check a version's blob digests (and signature) without loading the model.")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME[:V|@A]") String ref;

    @Override
    public Integer call() {
      return printWith(spec, maas -> {
        Manifest m = maas.verify(ModelRef.parse(ref));
        return "verified " + m.modelVersion() + ": " + m.blobs().size() + " blob(s), " + m.totalBytes()
            + " bytes, digests match";
      });
    }
  }

  /** {@code maas predict REF --input FILE.json}. */
  @Command(name = "predict", mixinStandardHelpOptions = true,
      description = "Run a version on inputs from a JSON file: {\"x\": {\"dtype\": \"float32\", \"shape\": [1, 4], \"data\": [...]}}; prints the outputs in the same format.")
  static final class Predict implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME[:V|@A]") String ref;

    @Option(names = "--input", required = true, paramLabel = "FILE.json") Path input;

    @Override
    public Integer call() throws Exception {
      Stores.requireExisting(global(spec));
      if (!Files.isRegularFile(input)) {
        throw new dev.maas.InvalidInputException("input file not found: " + input);
      }
      InferenceRequest req = InferenceRequest.of(TensorJson.read(Files.readString(input)));
      try (ModelService maas = global(spec).open()) {
        InferenceResult r = maas.predict(ModelRef.parse(ref), req);
        PrintWriter out = spec.commandLine().getOut();
        com.fasterxml.jackson.databind.node.ObjectNode doc = TensorJson.write(r.outputs());
        out.println(TensorJson.pretty(doc));
        spec.commandLine().getErr().println("served by " + r.version());
        out.flush();
      }
      return 0;
    }
  }

  /** Opens the service of an existing store, prints what {@code action} returns, and exits 0. */
  private static int printWith(CommandSpec spec, java.util.function.Function<ModelService, String> action) {
    Stores.requireExisting(global(spec));
    try (ModelService maas = global(spec).open()) {
      spec.commandLine().getOut().println(action.apply(maas));
      spec.commandLine().getOut().flush();
    }
    return 0;
  }
}
