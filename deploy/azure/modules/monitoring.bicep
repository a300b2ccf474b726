// monitoring.bicep: Log Analytics + workspace-based Application Insights (the app's exporter,
// src/integrations/appinsights.c, sends requests, PostgreSQL dependencies, exceptions and custom
// events to it), and the two action groups of the seed: critical (page) and warning (e-mail).
param location string
param insightsName string
param workspaceName string
param alertEmail string

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: workspaceName
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 90          // the seed's audit-log retention
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: insightsName
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    RetentionInDays: 90
  }
}

resource critical 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'chatlings-critical'
  location: 'global'
  properties: {
    groupShortName: 'chl-crit'
    enabled: true
    // add smsReceivers / webhookReceivers (PagerDuty) for the on-call rota
    emailReceivers: [ { name: 'oncall', emailAddress: alertEmail, useCommonAlertSchema: true } ]
  }
}

resource warning 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'chatlings-warning'
  location: 'global'
  properties: {
    groupShortName: 'chl-warn'
    enabled: true
    emailReceivers: [ { name: 'team', emailAddress: alertEmail, useCommonAlertSchema: true } ]
  }
}

output insightsId string = insights.id
output workspaceId string = workspace.id
output connectionString string = insights.properties.ConnectionString
output criticalActionGroupId string = critical.id
output warningActionGroupId string = warning.id
