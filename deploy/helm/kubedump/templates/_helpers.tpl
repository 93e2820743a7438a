{{/*
Names, labels and the pieces every kubedump Pod shares. The four services are "components":
watcher, scheduler, dump-worker, metrics-gateway (and redis for the bundled Redis).
*/}}

{{- define "kubedump.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* "<release>-<chart>" (or the release name alone when it already holds the chart name). */}}
{{- define "kubedump.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kubedump.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of a component's objects, at most 63 characters (a Service name). (dict "root" $ "component" "watcher") */}}
{{- define "kubedump.componentName" -}}
{{- printf "%s-%s" (include "kubedump.fullname" .root | trunc 46 | trimSuffix "-") .component }}
{{- end }}

{{/* Labels for selectors; stable across upgrades. (dict "root" $ "component" "watcher") */}}
{{- define "kubedump.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubedump.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Every object's labels. (dict "root" $ "component" "watcher"); component may be "". */}}
{{- define "kubedump.labels" -}}
helm.sh/chart: {{ include "kubedump.chart" .root }}
app.kubernetes.io/name: {{ include "kubedump.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: kubedump
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* A component's ServiceAccount name. (dict "root" $ "component" "watcher" "values" .Values.watcher) */}}
{{- define "kubedump.serviceAccountName" -}}
{{- if .values.serviceAccount.create }}
{{- default (include "kubedump.componentName" .) .values.serviceAccount.name }}
{{- else }}
{{- required (printf "serviceAccount.name of %s is required when serviceAccount.create is false" .component) .values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kubedump.image" -}}
{{- include "kubedump.imageRef" (dict "root" . "image" .Values.image "tag" (default .Chart.AppVersion .Values.image.tag)) }}
{{- end }}

{{/*
An image reference: global.imageRegistry in place of the repository's registry (its first part
when that holds a "." or ":" or is localhost; else put in front), then "@digest" or ":tag".
(dict "root" $ "image" .Values.redis.bundled.image "tag" "7.4.2-alpine")
*/}}
{{- define "kubedump.imageRef" -}}
{{- $repo := .image.repository }}
{{- with .root.Values.global.imageRegistry }}
{{- $parts := splitn "/" 2 $repo }}
{{- if and $parts._1 (or (contains "." $parts._0) (contains ":" $parts._0) (eq $parts._0 "localhost")) }}
{{- $repo = $parts._1 }}
{{- end }}
{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo }}
{{- end }}
{{- if .image.digest }}
{{- printf "%s@%s" $repo .image.digest }}
{{- else }}
{{- printf "%s:%s" $repo .tag }}
{{- end }}
{{- end }}

{{- define "kubedump.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.namespace }}
{{- end }}

{{/* Whether the services reach Redis through Sentinel (redis.external.sentinel.hosts set); fails when half set or beside a URL. */}}
{{- define "kubedump.redisSentinel" -}}
{{- $ext := .Values.redis.external }}
{{- if $ext.sentinel.hosts }}
{{- if or .Values.redis.bundled.enabled $ext.url $ext.existingSecret }}
{{- fail "redis: redis.external.sentinel replaces the bundled Redis and redis.external.url/existingSecret: set redis.bundled.enabled=false and leave url and existingSecret empty" }}
{{- end }}
{{- if not $ext.sentinel.masterName }}
{{- fail "redis: redis.external.sentinel.masterName is required with redis.external.sentinel.hosts (the master group's name the sentinels monitor)" }}
{{- end }}
{{- true }}
{{- else if $ext.sentinel.masterName }}
{{- fail "redis: redis.external.sentinel.masterName is set but redis.external.sentinel.hosts is empty" }}
{{- end }}
{{- end }}

{{/* Where REDIS_URL comes from: a Secret name and key. Fails on a contradictory configuration. */}}
{{- define "kubedump.redisUrlSecretName" -}}
{{- $ext := .Values.redis.external }}
{{- if and .Values.redis.bundled.enabled (or $ext.url $ext.existingSecret) }}
{{- fail "redis: set redis.bundled.enabled=false to use redis.external, or leave redis.external empty" }}
{{- end }}
{{- if and (not .Values.redis.bundled.enabled) (not (or $ext.url $ext.existingSecret $ext.sentinel.hosts)) }}
{{- fail "redis: set redis.external.url or redis.external.existingSecret (or redis.external.sentinel), or redis.bundled.enabled=true" }}
{{- end }}
{{- if $ext.existingSecret }}{{ $ext.existingSecret }}{{ else }}{{ include "kubedump.componentName" (dict "root" . "component" "redis") }}{{ end }}
{{- end }}

{{- define "kubedump.redisUrlSecretKey" -}}
{{- if .Values.redis.external.existingSecret }}{{ .Values.redis.external.existingSecretKey }}{{ else }}redis-url{{ end }}
{{- end }}

{{/* Whether pushes carry a token, and where it comes from. */}}
{{- define "kubedump.pushTokenSecretName" -}}
{{- with .Values.metricsGateway.pushToken.existingSecret }}{{ . }}{{ else }}{{ include "kubedump.componentName" (dict "root" . "component" "metrics-gateway") }}{{ end }}
{{- end }}

{{- define "kubedump.pushTokenSecretKey" -}}
{{- if .Values.metricsGateway.pushToken.existingSecret }}{{ .Values.metricsGateway.pushToken.existingSecretKey }}{{ else }}push-token{{ end }}
{{- end }}

{{/* METRICS_GATEWAY_URL of the dump worker; empty when metrics are not pushed. */}}
{{- define "kubedump.metricsGatewayUrl" -}}
{{- if .Values.dumpWorker.metricsGatewayUrl }}
{{- .Values.dumpWorker.metricsGatewayUrl }}
{{- else if .Values.metricsGateway.enabled }}
{{- printf "http://%s.%s.svc:%d" (include "kubedump.componentName" (dict "root" . "component" "metrics-gateway")) .Release.Namespace (int .Values.metricsGateway.port) }}
{{- end }}
{{- end }}

{{/*
A checksum of the values that end up in Secrets the Pods read at start (Redis URL, passwords,
push token), so changing one of them rolls the Pods. Generated values never change once made.
*/}}
{{- define "kubedump.secretsChecksum" -}}
{{- dict "redis" .Values.redis.external "auth" .Values.redis.bundled.auth "bundled" .Values.redis.bundled.enabled "push" .Values.metricsGateway.pushToken | toJson | sha256sum }}
{{- end }}

{{/* A stored Secret value if the Secret exists (so upgrades keep it), else a new random one. (dict "root" $ "name" "..." "key" "...") */}}
{{- define "kubedump.keptOrRandom" -}}
{{- $secret := lookup "v1" "Secret" .root.Release.Namespace .name }}
{{- if and $secret $secret.data (hasKey $secret.data .key) }}
{{- index $secret.data .key | b64dec }}
{{- else }}
{{- randAlphaNum 40 }}
{{- end }}
{{- end }}

{{/* REDIS_URL from its Secret, or the Sentinel variables (passwords from the user's Secret). Every service reads them. */}}
{{- define "kubedump.redisEnv" -}}
{{- if include "kubedump.redisSentinel" . }}
{{- $s := .Values.redis.external.sentinel }}
- name: REDIS_SENTINELS
  value: {{ join "," $s.hosts | quote }}
- name: REDIS_SENTINEL_MASTER
  value: {{ $s.masterName | quote }}
{{- with $s.existingSecret }}
{{- if $s.passwordKey }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $s.passwordKey }}
{{- end }}
{{- if $s.sentinelPasswordKey }}
- name: REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $s.sentinelPasswordKey }}
{{- end }}
{{- end }}
{{- else }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "kubedump.redisUrlSecretName" . }}
      key: {{ include "kubedump.redisUrlSecretKey" . }}
{{- end }}
{{- end }}

{{/* The variables every service but the gateway reads. (dict "root" $ "values" .Values.watcher) */}}
{{- define "kubedump.commonEnv" -}}
{{ include "kubedump.redisEnv" .root | trim }}
- name: QUEUE_PREFIX
  value: {{ .root.Values.queuePrefix | quote }}
- name: HTTP_HOST
  value: {{ .root.Values.httpHost | quote }}
- name: HTTP_PORT
  value: {{ .values.httpPort | quote }}
- name: LOG_LEVEL
  value: {{ default .root.Values.logLevel .values.logLevel | quote }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- end }}

{{/* Leader election and resync of the watcher and the scheduler. (dict "root" $ "values" .Values.watcher) */}}
{{- define "kubedump.leaderEnv" -}}
- name: LEADER_ELECTION
  value: {{ .root.Values.leaderElection.enabled | quote }}
- name: LEASE_NAMESPACE
  value: {{ include "kubedump.leaseNamespace" .root | quote }}
- name: LEASE_NAME
  value: {{ .values.leaseName | quote }}
- name: LEASE_DURATION_SECONDS
  value: {{ .root.Values.leaderElection.leaseDurationSeconds | quote }}
- name: RESYNC_SECONDS
  value: {{ .values.resyncSeconds | quote }}
{{- with .root.Values.watchNamespace }}
- name: WATCH_NAMESPACE
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{/* Pod metadata annotations and labels. (dict "root" $ "component" "watcher" "values" .Values.watcher) */}}
{{- define "kubedump.podMetadata" -}}
metadata:
  labels:
    {{- include "kubedump.labels" (dict "root" .root "component" .component) | nindent 4 }}
    {{- with .values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/secrets: {{ include "kubedump.secretsChecksum" .root }}
    {{- with .values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}

{{/* Where a Pod may run. (dict "root" $ "values" .Values.watcher) */}}
{{- define "kubedump.podPlacement" -}}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* HTTP liveness and readiness probes on the "http" port. (dict "live" "/healthz" "ready" "/readyz") */}}
{{- define "kubedump.probes" -}}
livenessProbe:
  httpGet: {path: {{ .live }}, port: http}
  initialDelaySeconds: 10
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 6
readinessProbe:
  httpGet: {path: {{ .ready }}, port: http}
  initialDelaySeconds: 2
  periodSeconds: 5
  timeoutSeconds: 5
  failureThreshold: 3
{{- end }}

{{/* The writable /tmp every container gets (the root filesystem is read-only). */}}
{{- define "kubedump.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end }}

{{/* "true" when pushes carry a bearer token (the gateway's own, or a Secret for another gateway). */}}
{{- define "kubedump.pushTokenEnabled" -}}
{{- $t := .Values.metricsGateway.pushToken }}
{{- if and $t.enabled (or .Values.metricsGateway.enabled $t.existingSecret $t.value) }}true{{ end }}
{{- end }}

{{/* The command of a service in the image: node (the entrypoint) runs its main.js. */}}
{{- define "kubedump.serviceArgs" -}}
args: [{{ printf "/app/services/%s/dist/main.js" . | quote }}]
{{- end }}

{{/* A component's extension points in its Pod spec: initContainers (through tpl). (dict "root" $ "values" .Values.watcher) */}}
{{- define "kubedump.initContainers" -}}
{{- with .values.initContainers }}
initContainers:
  {{- tpl (toYaml .) $.root | nindent 2 }}
{{- end }}
{{- end }}

{{/*
webIdentity: a projected ServiceAccount token and the variables of the AWS chain's web identity
link, for the watcher and the dump worker (both open Repositories). Each renders nothing when
webIdentity is off. On EKS, IRSA and Pod Identity add their own instead.
*/}}
{{- define "kubedump.webIdentityDir" -}}/var/run/secrets/kubedump.io/web-identity{{- end }}

{{- define "kubedump.webIdentityEnv" -}}
{{- with .Values.webIdentity }}{{ if .enabled }}
- name: AWS_ROLE_ARN
  value: {{ required "webIdentity.roleArn is required when webIdentity.enabled is true" .roleArn | quote }}
- name: AWS_WEB_IDENTITY_TOKEN_FILE
  value: {{ include "kubedump.webIdentityDir" $ }}/token
{{- with .stsEndpoint }}
- name: AWS_ENDPOINT_URL_STS
  value: {{ . | quote }}
{{- end }}
{{- end }}{{ end }}
{{- end }}

{{- define "kubedump.webIdentityMount" -}}
{{- if .Values.webIdentity.enabled }}
- name: web-identity-token
  mountPath: {{ include "kubedump.webIdentityDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "kubedump.webIdentityVolume" -}}
{{- with .Values.webIdentity }}{{ if .enabled }}
- name: web-identity-token
  projected:
    sources:
      - serviceAccountToken:
          audience: {{ .audience | quote }}
          expirationSeconds: {{ .expirationSeconds }}
          path: token
{{- end }}{{ end }}
{{- end }}

{{/* The Secret that holds the console's CSRF_KEY: the user's, or the chart's. */}}
{{- define "kubedump.consoleCsrfSecretName" -}}
{{- with .Values.console.csrfKey.existingSecret }}{{ . }}{{ else }}{{ include "kubedump.componentName" (dict "root" . "component" "console") }}{{ end }}
{{- end }}
