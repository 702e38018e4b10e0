package dev.maas.security;

/**
 * What a call does to a model, as an {@link Authorizer} sees it. Every method of {@link
 * dev.maas.ModelService} that names a model maps to exactly one action.
 */
public enum Action {
  /** Run a model: {@code predict}, {@code predictAsync}, {@code submitJob}. */
  PREDICT,
  /** Publish a new version: {@code deploy}. */
  DEPLOY,
  /** Move an alias: {@code setAlias}, {@code rollback}, and a deploy that names an alias. */
  PROMOTE,
  /** Remove a version: {@code undeploy}. */
  DELETE,
  /** Read the catalog: {@code list}, {@code versions}, {@code manifest}, {@code aliases}, {@code alias}. */
  READ
}
