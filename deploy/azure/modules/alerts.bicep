// alerts.bicep: the seed's alerts as Azure Monitor rules (the Prometheus versions are in
// deploy/monitoring/alerts.yml). Critical -> the paging action group, warning -> e-mail.
//   response time > 2 s (warning) / > 5 s (critical)      App Insights requests/duration
//   error rate > 5 % (warning) / > 10 % (critical)         log query over App Insights requests
//   cache hit ratio < 70 %                                 Redis cachemissrate > 30 %
//   CPU > 80 % for 10 min                                  plan CpuPercentage, database cpu_percent
//   memory > 85 %                                          plan MemoryPercentage, database memory_percent
//   storage > 80 %                                         database storage_percent
//   service down                                           web app HealthCheckStatus
//   database unavailable                                   database is_db_alive
//   Redis memory > 80 %                                    Redis usedmemorypercentage
param insightsId string
param planId string
param webId string
param postgresId string
param redisId string
param criticalActionGroupId string
param warningActionGroupId string

var metricAlerts = [
  { name: 'response-time-over-2s', scope: insightsId, metric: 'requests/duration', ns: 'microsoft.insights/components', agg: 'Average', op: 'GreaterThan', threshold: 2000, window: 'PT5M', sev: 2, critical: false }
  { name: 'response-time-over-5s', scope: insightsId, metric: 'requests/duration', ns: 'microsoft.insights/components', agg: 'Average', op: 'GreaterThan', threshold: 5000, window: 'PT5M', sev: 0, critical: true }
  { name: 'cache-hit-ratio-under-70', scope: redisId, metric: 'cachemissrate', ns: 'Microsoft.Cache/redis', agg: 'Average', op: 'GreaterThan', threshold: 30, window: 'PT15M', sev: 2, critical: false }
  { name: 'app-cpu-over-80', scope: planId, metric: 'CpuPercentage', ns: 'Microsoft.Web/serverfarms', agg: 'Average', op: 'GreaterThan', threshold: 80, window: 'PT10M', sev: 2, critical: false }
  { name: 'app-memory-over-85', scope: planId, metric: 'MemoryPercentage', ns: 'Microsoft.Web/serverfarms', agg: 'Average', op: 'GreaterThan', threshold: 85, window: 'PT5M', sev: 2, critical: false }
  { name: 'db-cpu-over-80', scope: postgresId, metric: 'cpu_percent', ns: 'Microsoft.DBforPostgreSQL/flexibleServers', agg: 'Average', op: 'GreaterThan', threshold: 80, window: 'PT10M', sev: 2, critical: false }
  { name: 'db-memory-over-85', scope: postgresId, metric: 'memory_percent', ns: 'Microsoft.DBforPostgreSQL/flexibleServers', agg: 'Average', op: 'GreaterThan', threshold: 85, window: 'PT5M', sev: 2, critical: false }
  { name: 'db-storage-over-80', scope: postgresId, metric: 'storage_percent', ns: 'Microsoft.DBforPostgreSQL/flexibleServers', agg: 'Maximum', op: 'GreaterThan', threshold: 80, window: 'PT15M', sev: 2, critical: false }
  { name: 'database-unavailable', scope: postgresId, metric: 'is_db_alive', ns: 'Microsoft.DBforPostgreSQL/flexibleServers', agg: 'Minimum', op: 'LessThan', threshold: 1, window: 'PT5M', sev: 0, critical: true }
  { name: 'service-down', scope: webId, metric: 'HealthCheckStatus', ns: 'Microsoft.Web/sites', agg: 'Average', op: 'LessThan', threshold: 50, window: 'PT5M', sev: 0, critical: true }
  { name: 'redis-memory-over-80', scope: redisId, metric: 'usedmemorypercentage', ns: 'Microsoft.Cache/redis', agg: 'Maximum', op: 'GreaterThan', threshold: 80, window: 'PT5M', sev: 2, critical: false }
]

resource metric 'Microsoft.Insights/metricAlerts@2018-03-01' = [for a in metricAlerts: {
  name: 'chatlings-${a.name}'
  location: 'global'
  properties: {
    description: 'Chatlings: ${a.name} (AZURE_ARCHITECTURE.md alert rules)'
    severity: a.sev
    enabled: true
    scopes: [ a.scope ]
    evaluationFrequency: 'PT1M'
    windowSize: a.window
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'threshold'
          metricName: a.metric
          metricNamespace: a.ns
          operator: a.op
          threshold: a.threshold
          timeAggregation: a.agg
        }
      ]
    }
    actions: [ { actionGroupId: a.critical ? criticalActionGroupId : warningActionGroupId } ]
  }
}]

// Error rate: failed (5xx) requests over all requests, from the App Insights request telemetry.
var errorRates = [
  { name: 'error-rate-over-5', threshold: 5, sev: 2, critical: false }
  { name: 'error-rate-over-10', threshold: 10, sev: 0, critical: true }
]

resource errorRate 'Microsoft.Insights/scheduledQueryRules@2022-06-15' = [for e in errorRates: {
  name: 'chatlings-${e.name}'
  location: resourceGroup().location
  properties: {
    displayName: 'Chatlings: ${e.name}'
    severity: e.sev
    enabled: true
    scopes: [ insightsId ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'requests | where name !endswith "/metrics" | summarize total = count(), failed = countif(toint(resultCode) >= 500) | extend rate = iff(total == 0, 0.0, 100.0 * failed / total) | project rate'
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'rate'
          operator: 'GreaterThan'
          threshold: e.threshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [ e.critical ? criticalActionGroupId : warningActionGroupId ] }
  }
}]


output alertCount int = length(metricAlerts) + length(errorRates)
