export { BINARY_NAMES, type BinaryName, binaryPath, ensureAllBinaries, ensureBinary, VERSIONS } from "./binaries.js";
export { type Cluster, type ClusterOptions, type ExtraCluster, startCluster, startExtraCluster } from "./cluster.js";
export { createPki, type Pki, type CertPair } from "./pki.js";
export { freePort } from "./ports.js";
export { type ServerProcess, startServer } from "./process.js";
export { startEtcd } from "./servers/etcd.js";
export { startKubeControllerManager } from "./servers/kube-controller-manager.js";
export { kubeconfig, startKubeApiServer, SERVICE_ACCOUNT_ISSUER } from "./servers/kube-apiserver.js";
export { type Minio, type MinioOptions, startMinio } from "./servers/minio.js";
export {
  expiredServiceAccountToken,
  minioRoleArn,
  type StsMinio,
  serviceAccountToken,
  startStsMinio,
} from "./oidc.js";
export { type Pushgateway, type PushgatewayOptions, startPushgateway } from "./servers/pushgateway.js";
export { type Redis, type RedisOptions, startRedis } from "./servers/redis.js";
export {
  type RedisNode,
  type RedisSentinelOptions,
  type RedisSentinelSet,
  startRedisSentinel,
} from "./servers/redis-sentinel.js";
export { startToxiproxy, type Toxiproxy } from "./servers/toxiproxy.js";
export {
  createToxiproxyClient,
  type ProxyInfo,
  type ToxicOptions,
  type ToxicSpec,
  type ToxiproxyClient,
  ToxiproxyError,
} from "./toxiproxy-client.js";
export { envFileText, startTestEnv, type TestEnv, type TestEnvInfo, toInfo, writeEnvFile } from "./testenv.js";
export { kubeHttp, type KubeHttpOptions, type KubeHttpResponse } from "./kube-http.js";
export {
  gnuLongNameEntry,
  gzipMembers,
  gzippedFill,
  paxEntry,
  sha256OfZeros,
  TAR_END,
  type TarHeader,
  type TarType,
  tarEntry,
  tarHeader,
  tarPadding,
} from "./hostile-archives.js";
export { modulesLoadedBy } from "./modules-loaded.js";
export { PER_INPUT_MS, PROPERTY_RUNS, parsesOrRefuses, SlowInputError, settlesOrRefuses } from "./property.js";
export { thrownBy } from "./thrown.js";
export { filePaths, filesBelow } from "./files.js";
export { findSecrets, MIN_SECRET_LENGTH, runLogDir, type SecretFinding, type SecretValue } from "./secret-scan.js";
export {
  apply,
  applyBrokenApiService,
  applyCrd,
  type SeededCluster,
  SeedError,
  seedCluster,
  testCrd,
} from "./seed.js";
export { type S3Env, s3RepositoryBackend, s3StoreOptions } from "./s3.js";
