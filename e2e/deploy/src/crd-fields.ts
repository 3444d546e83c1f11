// Allowed fields of the operator resources whose CRD schemas no npm package ships (Strimzi, CloudNativePG,
// MinIO operator): hand-listed from their CRD references (Strimzi 0.49 kafka.strimzi.io/v1beta2, CloudNativePG
// 1.27 postgresql.cnpg.io/v1, MinIO operator 7 minio.min.io/v2). Only the branches these manifests use are
// listed in depth; `true` marks a free-form value (Kafka broker config, resources, Kubernetes types the CRD embeds).
// KEDA and prometheus-operator resources are checked against the real schemas of @kubernetes-models/* instead.
export type FieldSpec = true | { [key: string]: FieldSpec } | FieldSpec[];

const resources: FieldSpec = { requests: true, limits: true, claims: true };
const secretKeySelector: FieldSpec = { name: true, key: true };

const strimziStorageVolume: FieldSpec = {
  id: true,
  type: true,
  size: true,
  sizeLimit: true,
  class: true,
  selector: true,
  deleteClaim: true,
  overrides: true,
  kraftMetadata: true,
};
const strimziStorage: FieldSpec = {
  type: true,
  volumes: [strimziStorageVolume],
  ...(strimziStorageVolume as object),
};

export const CRD_FIELDS: Record<string, FieldSpec> = {
  'kafka.strimzi.io/v1beta2/Kafka': {
    spec: {
      kafka: {
        version: true,
        metadataVersion: true,
        replicas: true,
        image: true,
        config: true,
        storage: strimziStorage,
        authorization: true,
        rack: true,
        brokerRackInitImage: true,
        livenessProbe: true,
        readinessProbe: true,
        jvmOptions: true,
        jmxOptions: true,
        resources,
        metricsConfig: true,
        logging: true,
        template: true,
        tieredStorage: true,
        quotas: true,
        listeners: [
          {
            name: true,
            port: true,
            type: true,
            tls: true,
            authentication: true,
            configuration: true,
            networkPolicyPeers: true,
          },
        ],
      },
      entityOperator: { topicOperator: true, userOperator: true, tlsSidecar: true, template: true },
      kafkaExporter: {
        image: true,
        groupRegex: true,
        topicRegex: true,
        groupExcludeRegex: true,
        topicExcludeRegex: true,
        resources,
        logging: true,
        livenessProbe: true,
        readinessProbe: true,
        enableSaramaLogging: true,
        showAllOffsets: true,
        template: true,
      },
      clusterCa: true,
      clientsCa: true,
      cruiseControl: true,
      maintenanceTimeWindows: true,
    },
  },
  'kafka.strimzi.io/v1beta2/KafkaNodePool': {
    spec: {
      replicas: true,
      storage: strimziStorage,
      roles: true,
      resources,
      jvmOptions: true,
      template: true,
    },
  },
  'kafka.strimzi.io/v1beta2/KafkaTopic': {
    spec: { partitions: true, replicas: true, config: true, topicName: true },
  },
  'postgresql.cnpg.io/v1/Cluster': {
    spec: {
      description: true,
      inheritedMetadata: true,
      imageName: true,
      imageCatalogRef: true,
      imagePullPolicy: true,
      schedulerName: true,
      postgresUID: true,
      postgresGID: true,
      instances: true,
      minSyncReplicas: true,
      maxSyncReplicas: true,
      replicationSlots: true,
      replica: true,
      superuserSecret: true,
      enableSuperuserAccess: true,
      certificates: true,
      imagePullSecrets: true,
      serviceAccountTemplate: true,
      ephemeralVolumeSource: true,
      startDelay: true,
      stopDelay: true,
      smartShutdownTimeout: true,
      switchoverDelay: true,
      failoverDelay: true,
      livenessProbeTimeout: true,
      affinity: true,
      topologySpreadConstraints: true,
      resources,
      ephemeralVolumesSizeLimit: true,
      priorityClassName: true,
      primaryUpdateStrategy: true,
      primaryUpdateMethod: true,
      nodeMaintenanceWindow: true,
      externalClusters: true,
      logLevel: true,
      projectedVolumeTemplate: true,
      env: true,
      envFrom: true,
      managed: true,
      seccompProfile: true,
      tablespaces: true,
      enablePDB: true,
      plugins: true,
      probes: true,
      postgresql: {
        parameters: true,
        pg_hba: true,
        pg_ident: true,
        syncReplicaElectionConstraint: true,
        shared_preload_libraries: true,
        ldap: true,
        promotionTimeout: true,
        enableAlterSystem: true,
        synchronous: true,
        extensions: true,
      },
      bootstrap: {
        initdb: {
          database: true,
          owner: true,
          secret: true,
          options: true,
          dataChecksums: true,
          encoding: true,
          localeCollate: true,
          localeCType: true,
          locale: true,
          localeProvider: true,
          icuLocale: true,
          icuRules: true,
          builtinLocale: true,
          walSegmentSize: true,
          postInitSQL: true,
          postInitApplicationSQL: true,
          postInitTemplateSQL: true,
          import: true,
          postInitSQLRefs: true,
          postInitApplicationSQLRefs: true,
          postInitTemplateSQLRefs: true,
        },
        recovery: true,
        pg_basebackup: true,
      },
      storage: { size: true, storageClass: true, resizeInUseVolumes: true, pvcTemplate: true },
      walStorage: { size: true, storageClass: true, resizeInUseVolumes: true, pvcTemplate: true },
      monitoring: {
        enablePodMonitor: true,
        customQueriesConfigMap: true,
        customQueriesSecret: true,
        disableDefaultQueries: true,
        podMonitorMetricRelabelings: true,
        podMonitorRelabelings: true,
        tls: true,
      },
      backup: {
        retentionPolicy: true,
        target: true,
        volumeSnapshot: true,
        barmanObjectStore: {
          destinationPath: true,
          endpointURL: true,
          endpointCA: true,
          serverName: true,
          tags: true,
          historyTags: true,
          s3Credentials: {
            accessKeyId: secretKeySelector,
            secretAccessKey: secretKeySelector,
            region: secretKeySelector,
            sessionToken: secretKeySelector,
            inheritFromIAMRole: true,
          },
          azureCredentials: true,
          googleCredentials: true,
          data: true,
          wal: {
            compression: true,
            encryption: true,
            maxParallel: true,
            archiveAdditionalCommandArgs: true,
            restoreAdditionalCommandArgs: true,
          },
        },
      },
    },
  },
  'postgresql.cnpg.io/v1/ScheduledBackup': {
    spec: {
      suspend: true,
      immediate: true,
      schedule: true,
      cluster: { name: true },
      backupOwnerReference: true,
      target: true,
      method: true,
      pluginConfiguration: true,
      online: true,
      onlineConfiguration: true,
    },
  },
  'minio.min.io/v2/Tenant': {
    spec: {
      image: true,
      imagePullSecret: true,
      imagePullPolicy: true,
      podManagementPolicy: true,
      mountPath: true,
      subPath: true,
      requestAutoCert: true,
      certConfig: true,
      env: true,
      externalCertSecret: true,
      externalCaCertSecret: true,
      externalClientCertSecret: true,
      externalClientCertSecrets: true,
      kes: true,
      prometheusOperator: true,
      serviceAccountName: true,
      priorityClassName: true,
      sideCars: true,
      exposeServices: true,
      serviceMetadata: true,
      logging: true,
      configuration: { name: true },
      initContainers: true,
      additionalVolumes: true,
      additionalVolumeMounts: true,
      features: true,
      lifecycle: true,
      readiness: true,
      liveness: true,
      startup: true,
      poolsMetadata: true,
      certExpiryAlertThreshold: true,
      users: [{ name: true }],
      buckets: [{ name: true, region: true, objectLock: true }],
      pools: [
        {
          name: true,
          servers: true,
          volumesPerServer: true,
          volumeClaimTemplate: true,
          resources,
          nodeSelector: true,
          affinity: true,
          tolerations: true,
          topologySpreadConstraints: true,
          securityContext: true,
          containerSecurityContext: true,
          annotations: true,
          labels: true,
          runtimeClassName: true,
        },
      ],
    },
  },
};

const METADATA_KEYS = new Set(['name', 'namespace', 'labels', 'annotations']);

/** Paths of fields not in the hand-listed CRD fields (metadata is checked for the usual keys only). */
export function unknownCrdFields(object: Record<string, unknown>, spec: FieldSpec): string[] {
  const found: string[] = [];
  const walk = (value: unknown, allowed: FieldSpec, path: string): void => {
    if (allowed === true || value === null || typeof value !== 'object') return;
    if (Array.isArray(allowed)) {
      if (!Array.isArray(value)) return;
      value.forEach((item, i) => walk(item, allowed[0]!, `${path}[${i}]`));
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const next = allowed[key];
      if (next === undefined) found.push(`${path}.${key}`);
      else walk(child, next, `${path}.${key}`);
    }
  };
  for (const [key, child] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'metadata') {
      for (const m of Object.keys(child as object)) if (!METADATA_KEYS.has(m)) found.push(`.metadata.${m}`);
      continue;
    }
    const next = (spec as Record<string, FieldSpec>)[key];
    if (next === undefined) found.push(`.${key}`);
    else walk(child, next, `.${key}`);
  }
  return found;
}
