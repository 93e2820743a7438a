/** S3 credentials as a credential source hands them out. */
export interface AwsCredentials {
  accessKey: string;
  secretKey: string;
  /** Present for temporary credentials (STS, container, instance metadata). */
  sessionToken?: string;
  /** When temporary credentials stop working; none for long-term keys. */
  expiration?: Date;
}

/**
 * Where credentials come from: one link of the AWS chain (environment, web identity, container,
 * instance metadata), or the chain itself. `fetch` asks the source anew each time (a token file is
 * read again, an STS called again); `describe` names the source for messages, never a secret.
 */
export interface CredentialSource {
  readonly description: string;
  fetch(): Promise<AwsCredentials>;
}

/** What every S3 store asks for credentials, before each request: cached, renewed before they expire. */
export interface CredentialProvider {
  readonly description: string;
  get(): Promise<AwsCredentials>;
}
