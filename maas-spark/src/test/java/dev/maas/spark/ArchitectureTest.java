package dev.maas.spark;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The boundaries of maas-spark, checked. */
class ArchitectureTest {
  private static final JavaClasses SPARK = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.maas.spark");

  @Test
  void usesMaasThroughItsPublicApiOnly() {
    noClasses().should().dependOnClassesThat()
        .resideInAnyPackage("dev.maas.internal..", "dev.maas.onnx..", "ai.onnxruntime..", "software.amazon..",
            "dev.maas.storage.s3.internal..")
        .check(SPARK);
  }

  @Test
  void onlyS3StoresTouchesTheOptionalS3Module() {
    noClasses().that().doNotHaveSimpleName("S3Stores")
        .should().dependOnClassesThat().resideInAnyPackage("dev.maas.storage..")
        .check(SPARK);
  }

  @Test
  void sparksUnstableInternalsStayInTheInternalPackage() {
    noClasses().that().resideOutsideOfPackage("dev.maas.spark.internal..")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark.sql.catalyst..",
            "org.apache.spark.sql.classic..", "org.apache.spark.sql.execution..", "org.apache.spark.unsafe..")
        .check(SPARK);
  }

  @Test
  void onlySparkInternalsTouchesClassicSessionsAndQueryExecution() {
    noClasses().that().doNotHaveSimpleName("SparkInternals")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark.sql.classic..",
            "org.apache.spark.sql.execution..")
        .check(SPARK);
  }
}
