{{/* Chart name, or nameOverride. */}}
{{- define "zajoni.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Prefix of every object name: fullnameOverride, else "<release>-<chart>", or just the release name
when it already contains the chart name. Truncated to leave room for "-operator-metrics".
*/}}
{{- define "zajoni.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "zajoni-0.1.0", for the helm.sh/chart label. */}}
{{- define "zajoni.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels of one component. Only labels that never change for the life of the release:
a Deployment's selector is immutable, so version labels stay out of it. The component is part of
it because the operator and the API share name and instance.
Call with (dict "root" $ "component" "api").
*/}}
{{- define "zajoni.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zajoni.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Every label of one component's objects. Call with (dict "root" $ "component" "api"). */}}
{{- define "zajoni.labels" -}}
helm.sh/chart: {{ include "zajoni.chart" .root }}
{{ include "zajoni.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: zajoni
{{- end }}

{{/*
Image reference "<repository>:<tag>" or "<repository>@<digest>"; the tag defaults to appVersion.
"latest" is refused: a moving tag makes a rollout unreproducible and a rollback a no-op.
Call with (dict "root" $ "image" .Values.api.image).
*/}}
{{- define "zajoni.image" -}}
{{- $tag := default .root.Chart.AppVersion .image.tag | toString }}
{{- if eq $tag "latest" }}
{{- fail (printf "image %s: the tag \"latest\" is not allowed; pin a version or a digest" .image.repository) }}
{{- end }}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else }}
{{- printf "%s:%s" .image.repository $tag }}
{{- end }}
{{- end }}

{{/* Names of the component objects. */}}
{{- define "zajoni.operatorName" -}}
{{- printf "%s-operator" (include "zajoni.fullname" .) }}
{{- end }}
{{- define "zajoni.apiName" -}}
{{- printf "%s-api" (include "zajoni.fullname" .) }}
{{- end }}

{{/*
Secret holding the platform admin token: the user's, or the one this chart creates. The
operator sends it (API_TOKEN); the API reads it from a file (PLATFORM_ADMIN_TOKEN_FILE).
*/}}
{{- define "zajoni.apiTokenSecret" -}}
{{- default (printf "%s-api-token" (include "zajoni.fullname" .)) .Values.operator.apiToken.existingSecret }}
{{- end }}
{{- define "zajoni.platformAdminTokenDir" -}}
/var/run/secrets/zajoni/platform-admin-token
{{- end }}
{{- define "zajoni.platformAdminTokenFile" -}}
{{- printf "%s/token" (include "zajoni.platformAdminTokenDir" .) }}
{{- end }}

{{/* Env var NATS_URL (or the name given as .name) from the URL in values or from a Secret. */}}
{{- define "zajoni.natsUrlEnv" -}}
- name: {{ .name }}
{{- if .root.Values.nats.existingSecret }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.nats.existingSecret }}
      key: {{ .root.Values.nats.existingSecretKey }}
{{- else }}
  value: {{ required "nats.url or nats.existingSecret is required" .root.Values.nats.url | quote }}
{{- end }}
{{- end }}

{{/* Env var DATABASE_URL from the database Secret. */}}
{{- define "zajoni.databaseUrlEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "database.existingSecret is required: a Secret holding the PostgreSQL URL" .Values.database.existingSecret }}
      key: {{ .Values.database.existingSecretKey }}
{{- end }}

{{/* The pod-level scheduling and pull settings shared by the chart's pods. */}}
{{- define "zajoni.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* /tmp as a memory-backed emptyDir: the root filesystem is read-only. */}}
{{- define "zajoni.tmpVolume" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 16Mi
{{- end }}
{{- define "zajoni.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}
