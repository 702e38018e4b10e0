package dev.maas.storage.s3;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import dev.maas.spi.ModelStore;
import java.net.URISyntaxException;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The module boundaries of ARCHITECTURE.md, checked for the S3 store. */
class ArchitectureTest {
  /** This module's classes and maas-core's: scanning the whole test classpath (S3Proxy's tree) takes long. */
  private static final JavaClasses MAAS = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importLocations(Set.of(locationOf(S3ModelStore.class), locationOf(ModelStore.class)));

  private static Location locationOf(Class<?> type) {
    try {
      return Location.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theStoreUsesNoCoreInternals() {
    noClasses().that().resideInAPackage("dev.maas.storage.s3..")
        .should().dependOnClassesThat().resideInAPackage("dev.maas.internal..")
        .check(MAAS);
  }

  @Test
  void aStoreKnowsNothingOfRuntimes() {
    noClasses().that().resideInAPackage("dev.maas.storage.s3..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.maas.onnx..", "ai.onnxruntime..")
        .check(MAAS);
  }

  @Test
  void coreNeverSeesTheAwsSdk() {
    noClasses().that().resideOutsideOfPackage("dev.maas.storage.s3..")
        .should().dependOnClassesThat().resideInAnyPackage("software.amazon..")
        .check(MAAS);
  }

  @Test
  void thePublicPackageIsSmall() {
    classes().that().resideInAPackage("dev.maas.storage.s3").and().arePublic().and().areTopLevelClasses()
        .should().haveSimpleNameStartingWith("S3").orShould().haveSimpleNameStartingWith("Transfer")
        .orShould().haveSimpleNameStartingWith("ConditionalWrites")
        .check(MAAS);
  }
}
