// appservice.bicep: the App Service plan (Linux, P1v3 in prod, B1 in dev) running the web app
// and the background worker, both from the one chatlings container image (the worker with the
// command "worker"), a staging slot for the web app in prod (swap to release), and the seed's
// autoscale rules: CPU > 70 % for 5 min adds an instance, CPU < 30 % for 10 min removes one,
// 2..10 instances in prod. ARR affinity off (sessions are in Redis), Always On, HTTP/2,
// TLS 1.2+, WebSockets on, health check /healthz, inbound only from our Front Door.
param location string
param prod bool
param planName string
param webName string
param workerName string
param image string
param keyVaultUri string
param storageAccountName string
param publicUrl string
param frontDoorId string
param oidcClientId string
param logAnalyticsId string

resource plan 'Microsoft.Web/serverfarms@2022-09-01' = {
  name: planName
  location: location
  kind: 'linux'
  sku: prod ? { name: 'P1v3', tier: 'PremiumV3', capacity: 2 } : { name: 'B1', tier: 'Basic', capacity: 1 }
  properties: { reserved: true }   // Linux
}

// Every secret comes from Key Vault at start-up (CHATLINGS_KEYVAULT_URL + the managed identity).
var common = [
  { name: 'CHATLINGS_ENV', value: 'production' }
  { name: 'CHATLINGS_KEYVAULT_URL', value: keyVaultUri }
  { name: 'CHATLINGS_PUBLIC_URL', value: publicUrl }
  { name: 'CHATLINGS_OIDC_CLIENT_ID', value: oidcClientId }
  { name: 'CHATLINGS_BLOB_DRIVER', value: 'azure' }
  { name: 'CHATLINGS_AZURE_STORAGE_ACCOUNT', value: storageAccountName }
  { name: 'CHATLINGS_LOG_LEVEL', value: 'info' }
  { name: 'WEBSITES_ENABLE_APP_SERVICE_STORAGE', value: 'false' }
]
var webSettings = concat(common, [
  { name: 'CHATLINGS_LISTEN', value: '0.0.0.0:8080' }
  { name: 'WEBSITES_PORT', value: '8080' }
  { name: 'CHATLINGS_TRUST_PROXY', value: '1' }          // Front Door's X-Forwarded-For
  { name: 'CHATLINGS_OPS_LISTEN', value: '127.0.0.1:9090' }
  { name: 'CHATLINGS_ADMIN_LISTEN', value: '127.0.0.1:8081' }
])

// Only Front Door (our profile, by its X-Azure-FDID header) may reach the web app.
var frontDoorOnly = [
  {
    name: 'FrontDoor'
    priority: 100
    action: 'Allow'
    tag: 'ServiceTag'
    ipAddress: 'AzureFrontDoor.Backend'
    headers: { 'x-azure-fdid': [ frontDoorId ] }
  }
]

var siteConfig = {
  linuxFxVersion: 'DOCKER|${image}'
  alwaysOn: true
  http20Enabled: true
  minTlsVersion: '1.2'
  ftpsState: 'Disabled'
  webSocketsEnabled: true
  healthCheckPath: '/healthz'
  ipSecurityRestrictions: frontDoorOnly
  ipSecurityRestrictionsDefaultAction: 'Deny'
  scmIpSecurityRestrictionsUseMain: false
  appSettings: webSettings
}

resource web 'Microsoft.Web/sites@2022-09-01' = {
  name: webName
  location: location
  kind: 'app,linux,container'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: siteConfig
  }
}

resource staging 'Microsoft.Web/sites/slots@2022-09-01' = if (prod) {
  parent: web
  name: 'staging'
  location: location
  kind: 'app,linux,container'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: siteConfig
  }
}

resource worker 'Microsoft.Web/sites@2022-09-01' = {
  name: workerName
  location: location
  kind: 'app,linux,container'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: {
      linuxFxVersion: 'DOCKER|${image}'
      appCommandLine: 'worker'          // the image's entrypoint is the chatlings binary
      alwaysOn: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      // no inbound traffic at all: the worker only consumes the Redis job queue
      ipSecurityRestrictions: [ { name: 'DenyAll', priority: 100, action: 'Deny', ipAddress: '0.0.0.0/0' } ]
      appSettings: concat(common, [ { name: 'WEBSITES_PORT', value: '9090' } ])
    }
  }
}

resource autoscale 'Microsoft.Insights/autoscalesettings@2022-10-01' = {
  name: '${planName}-autoscale'
  location: location
  properties: {
    enabled: true
    targetResourceUri: plan.id
    profiles: [
      {
        name: 'cpu'
        capacity: { minimum: prod ? '2' : '1', maximum: prod ? '10' : '2', default: prod ? '2' : '1' }
        rules: [
          {
            metricTrigger: { metricName: 'CpuPercentage', metricResourceUri: plan.id, timeGrain: 'PT1M', statistic: 'Average', timeWindow: 'PT5M', timeAggregation: 'Average', operator: 'GreaterThan', threshold: 70 }
            scaleAction: { direction: 'Increase', type: 'ChangeCount', value: '1', cooldown: 'PT5M' }
          }
          {
            metricTrigger: { metricName: 'CpuPercentage', metricResourceUri: plan.id, timeGrain: 'PT1M', statistic: 'Average', timeWindow: 'PT10M', timeAggregation: 'Average', operator: 'LessThan', threshold: 30 }
            scaleAction: { direction: 'Decrease', type: 'ChangeCount', value: '1', cooldown: 'PT10M' }
          }
        ]
      }
    ]
  }
}

// App logs (our JSON lines on stderr) into Log Analytics.
resource webLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs'
  scope: web
  properties: {
    workspaceId: logAnalyticsId
    logs: [ { category: 'AppServiceConsoleLogs', enabled: true }, { category: 'AppServiceHTTPLogs', enabled: true } ]
    metrics: [ { category: 'AllMetrics', enabled: true } ]
  }
}

resource workerLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs'
  scope: worker
  properties: {
    workspaceId: logAnalyticsId
    logs: [ { category: 'AppServiceConsoleLogs', enabled: true } ]
  }
}

output planId string = plan.id
output webId string = web.id
output webPrincipalId string = web.identity.principalId
output workerPrincipalId string = worker.identity.principalId
output stagingPrincipalId string = prod ? staging.identity.principalId : ''
