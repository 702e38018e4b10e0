package dev.maas.onnx.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.maas.AccessDeniedException;
import dev.maas.CallOptions;
import dev.maas.DeployOptions;
import dev.maas.ErrorCode;
import dev.maas.InferenceRequest;
import dev.maas.ModelRef;
import dev.maas.ModelService;
import dev.maas.Tensor;
import dev.maas.batch.Job;
import dev.maas.batch.JobOptions;
import dev.maas.batch.JobStatus;
import dev.maas.internal.DefaultModelService;
import dev.maas.onnx.OnnxRuntime;
import dev.maas.onnx.tools.SampleModels;
import dev.maas.security.Action;
import dev.maas.security.Authorizer;
import dev.maas.security.PolicyAuthorizer;
import dev.maas.security.Principal;
import dev.maas.version.ModelVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every action, allowed and denied, for the service's default principal and for a principal given
 * with the call: an allowed call works; a denied one fails with AccessDeniedException, does nothing,
 * and leaves an audit line naming principal, action and model.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuthorizationMatrixTest {
  private static final String MODEL = "m";
  private static final Principal SVC = Principal.of("svc", "service");
  private static final Principal ALICE = Principal.of("alice", "analyst");
  private static final Principal NOBODY = Principal.of("nobody");
  private static final InferenceRequest ROW = InferenceRequest.of("x", Tensor.of(new float[] {1, 2, 3, 4}, 1, 4));
  private static OnnxRuntime onnx;

  @TempDir Path tmp;
  Path storeDir;
  Path modelFile;

  @BeforeAll
  static void runtime() {
    onnx = OnnxRuntime.create();
  }

  @AfterAll
  static void close() {
    onnx.close();
  }

  /** A store with m:1 and m:2, prod -> 2 (moved from 1), published by an unrestricted service. */
  @BeforeEach
  void store() throws Exception {
    storeDir = tmp.resolve("store");
    modelFile = Files.write(tmp.resolve("mlp.onnx"), SampleModels.mlp(4, 8, 3, 1));
    try (ModelService admin = ModelService.builder().storeDirectory(storeDir).runtime(onnx).build()) {
      admin.deploy(MODEL, modelFile);
      admin.deploy(MODEL, modelFile);
      admin.setAlias(MODEL, "prod", 1);
      admin.setAlias(MODEL, "prod", 2);
    }
  }

  /** Who acts: the service's default principal, or one given with the call. */
  enum Caller { DEFAULT, EXPLICIT }

  static Stream<Arguments> matrix() {
    List<Arguments> out = new ArrayList<>();
    for (Action a : Action.values()) {
      for (boolean allowed : new boolean[] {true, false}) {
        for (Caller c : Caller.values()) {
          out.add(Arguments.of(a, allowed, c));
        }
      }
    }
    return out.stream();
  }

  /**
   * The service for one cell. The acting principal is allowed exactly {@code action} (when {@code
   * allowed}) or everything but {@code action}; the other principal is given the opposite, so a
   * service that consulted the wrong principal would fail the cell.
   */
  private ModelService service(Action action, boolean allowed, Caller caller) {
    Principal acting = caller == Caller.DEFAULT ? SVC : ALICE;
    Principal other = caller == Caller.DEFAULT ? ALICE : SVC;
    EnumSet<Action> granted = allowed ? EnumSet.of(action) : EnumSet.complementOf(EnumSet.of(action));
    EnumSet<Action> opposite = EnumSet.complementOf(granted);
    PolicyAuthorizer.Builder policy = PolicyAuthorizer.builder();
    if (!granted.isEmpty()) {
      policy.allowPrincipal(acting.name(), MODEL, granted.toArray(new Action[0]));
    }
    if (!opposite.isEmpty()) {
      policy.allowPrincipal(other.name(), MODEL, opposite.toArray(new Action[0]));
    }
    // The default principal is svc either way: when alice acts, svc holds the opposite grants.
    return ModelService.builder().storeDirectory(storeDir).runtime(onnx).authorizer(policy.build())
        .defaultPrincipal(SVC).build();
  }

  private static CallOptions call(Caller c) {
    return c == Caller.DEFAULT ? CallOptions.defaults() : CallOptions.defaults().withPrincipal(ALICE);
  }

  private static DeployOptions deploy(Caller c) {
    return c == Caller.DEFAULT ? DeployOptions.defaults() : DeployOptions.defaults().withPrincipal(ALICE);
  }

  /** Every call of the service that performs {@code action}, as {@code caller}. */
  private List<Audit.Action> calls(ModelService maas, Action action, Caller caller) {
    CallOptions opts = call(caller);
    ModelRef ref = ModelRef.parse("m@prod");
    switch (action) {
      case PREDICT:
        return List.of(
            () -> maas.predict(ref, ROW, opts),
            () -> unwrap(() -> maas.predictAsync(ref, ROW, opts).get(30, TimeUnit.SECONDS)),
            () -> {
              Job job = maas.submitJob(ref, List.of(ROW, ROW), JobOptions.defaults(), opts);
              job.results().forEachRemaining(item -> assertTrue(item.ok(), "items run as the submitter: " + item.error()));
              assertEquals(JobStatus.COMPLETED, job.status());
            });
      case DEPLOY:
        return List.of(() -> maas.deploy(MODEL, modelFile, deploy(caller)));
      case PROMOTE:
        return List.of(() -> maas.setAlias(MODEL, "canary", 1, opts), () -> maas.rollback(MODEL, "prod", opts));
      case DELETE:
        return List.of(() -> maas.undeploy(MODEL, 1, opts));
      default:
        return List.of(
            () -> assertEquals(2, maas.versions(MODEL, opts).size()),
            () -> assertEquals(2, maas.manifest(ref, opts).version()),
            () -> assertEquals(1, maas.aliases(MODEL, opts).size()),
            () -> assertTrue(maas.alias(MODEL, "prod", opts).isPresent()));
    }
  }

  private static void unwrap(Audit.Action a) throws Exception {
    try {
      a.run();
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @ParameterizedTest(name = "{0} allowed={1} as {2}")
  @MethodSource("matrix")
  void everyActionAllowedAndDenied(Action action, boolean allowed, Caller caller) throws Exception {
    String who = caller == Caller.DEFAULT ? SVC.name() : ALICE.name();
    try (ModelService maas = service(action, allowed, caller)) {
      for (Audit.Action call : calls(maas, action, caller)) {
        StoreState before = storeState();
        String audit = Audit.capture(() -> {
          if (allowed) {
            call.run();
          } else {
            AccessDeniedException e = assertThrows(AccessDeniedException.class, call::run);
            assertEquals(ErrorCode.ACCESS_DENIED, e.code());
            assertFalse(e.retryable());
            assertEquals(who, e.principal());
            assertEquals(action, e.action());
            assertEquals(MODEL, e.model());
          }
        });
        if (!allowed) {
          assertTrue(audit.contains("denied " + action + " on model 'm' to principal '" + who + "'"), audit);
          assertEquals(before, storeState(), "a denied call changes nothing");
          assertFalse(((DefaultModelService) maas).isLoaded(new ModelVersion(MODEL, 2)), "a denied call loads nothing");
        } else {
          assertFalse(audit.contains("denied"), audit);
          switch (action) {
            case DEPLOY -> assertTrue(audit.contains("deploy m:3 by " + who), audit);
            case PROMOTE -> assertTrue(audit.contains("by " + who), audit);
            case DELETE -> assertTrue(audit.contains("undeploy m:1 by " + who), audit);
            default -> { }
          }
        }
      }
      // list() leaves out what may not be read, without failing
      assertEquals(action == Action.READ && !allowed ? List.of() : action == Action.READ ? List.of(MODEL) : null,
          action == Action.READ ? maas.list(call(caller)) : null);
    }
  }

  /** What a call could change in the store: the version files and the alias records. */
  record StoreState(List<String> files, List<String> aliases) {}

  private StoreState storeState() throws Exception {
    List<String> files = new ArrayList<>();
    List<String> aliases = new ArrayList<>();
    try (var all = Files.walk(storeDir.resolve("models"))) {
      for (Path f : all.filter(Files::isRegularFile).sorted().toList()) {
        files.add(storeDir.relativize(f).toString());
        if (f.getParent().getFileName().toString().equals("aliases")) {
          aliases.add(Files.readString(f));
        }
      }
    }
    return new StoreState(files, aliases);
  }

  @Test
  void aDeployThatMovesAnAliasNeedsPromoteToo() throws Exception {
    Authorizer deployOnly = PolicyAuthorizer.builder().allowPrincipal("svc", "*", Action.DEPLOY, Action.READ).build();
    try (ModelService maas = ModelService.builder().storeDirectory(storeDir).runtime(onnx).authorizer(deployOnly)
        .defaultPrincipal(SVC).build()) {
      AccessDeniedException e = assertThrows(AccessDeniedException.class,
          () -> maas.deploy(MODEL, modelFile, DeployOptions.defaults().withAlias("canary")));
      assertEquals(Action.PROMOTE, e.action());
      assertEquals(2, maas.versions(MODEL).size(), "refused before anything was published");
      maas.deploy(MODEL, modelFile);
      assertEquals(3, maas.versions(MODEL).size());
    }
  }

  @Test
  void anAuthorizerThatThrowsDenies() throws Exception {
    Authorizer broken = (p, a, m) -> {
      throw new IllegalStateException("policy backend down");
    };
    try (ModelService maas = ModelService.builder().storeDirectory(storeDir).runtime(onnx).authorizer(broken).build()) {
      String audit = Audit.capture(() -> assertThrows(AccessDeniedException.class, () -> maas.versions(MODEL)));
      assertTrue(audit.contains("policy backend down") && audit.contains("denied READ"), audit);
    }
  }

  /** Principal names come from callers: one with a line break must not forge an audit line. */
  @Test
  void aPrincipalNameCannotForgeAuditLines() throws Exception {
    Principal forger = Principal.of("mallory\n[main] INFO dev.maas.audit - deploy m:9 by admin");
    try (ModelService maas = ModelService.builder().storeDirectory(storeDir).runtime(onnx)
        .authorizer(PolicyAuthorizer.builder().build()).build()) {
      String audit = Audit.capture(() -> assertThrows(AccessDeniedException.class,
          () -> maas.versions(MODEL, CallOptions.defaults().withPrincipal(forger))));
      assertEquals(1, audit.lines().count(), audit);
      assertTrue(audit.contains("mallory\\u000a[main]"), audit);
    }
  }

  @Test
  void byDefaultEverythingIsAllowed() throws Exception {
    try (ModelService maas = ModelService.builder().storeDirectory(storeDir).runtime(onnx).build()) {
      assertEquals(List.of(MODEL), maas.list());
      assertEquals(2, maas.predict(ModelRef.parse("m@prod"), ROW).version().version());
      assertInstanceOf(Authorizer.class, Authorizer.allowAll());
      assertTrue(Authorizer.allowAll().decide(NOBODY, Action.DELETE, "anything"));
    }
  }
}
