{{/*
A Role (with a namespace) or ClusterRole (without), and its binding to the ServiceAccounts of
some components.
  (dict "root" $ "name" "<object name>" "namespace" "<ns or empty>" "rules" "<YAML list>"
        "component" "<label; may be empty>"
        "subjects" (list (dict "component" "watcher" "values" $.Values.watcher) ...))
*/}}
{{- define "kubedump.roleAndBinding" -}}
{{- $kind := ternary "Role" "ClusterRole" (ne .namespace "") }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: {{ $kind }}
metadata:
  name: {{ .name }}
  {{- with .namespace }}
  namespace: {{ . }}
  {{- end }}
  labels:
    {{- include "kubedump.labels" (dict "root" .root "component" (default "" .component)) | nindent 4 }}
rules:
  {{- .rules | nindent 2 }}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: {{ $kind }}Binding
metadata:
  name: {{ .name }}
  {{- with .namespace }}
  namespace: {{ . }}
  {{- end }}
  labels:
    {{- include "kubedump.labels" (dict "root" .root "component" (default "" .component)) | nindent 4 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: {{ $kind }}
  name: {{ .name }}
subjects:
  {{- range .subjects }}
  - kind: ServiceAccount
    name: {{ include "kubedump.serviceAccountName" (dict "root" $.root "component" .component "values" .values) }}
    namespace: {{ $.root.Release.Namespace }}
  {{- end }}
{{- end }}

{{/* get/create/update on the component's own Lease, in the lease namespace. (dict "root" $ "component" "watcher" "values" .Values.watcher) */}}
{{- define "kubedump.leaseRole" -}}
{{- if .root.Values.leaderElection.enabled }}
{{- $rules := printf `- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  resourceNames: [%s]
  verbs: [get, update]` (.values.leaseName | quote) }}
{{- include "kubedump.roleAndBinding" (dict "root" .root "name" (printf "%s-leases" (include "kubedump.componentName" .)) "namespace" (include "kubedump.leaseNamespace" .root) "rules" $rules "component" .component "subjects" (list .)) }}
{{- end }}
{{- end }}
