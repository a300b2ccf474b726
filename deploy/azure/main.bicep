// main.bicep: the whole Chatlings resource group of AZURE_ARCHITECTURE.md, one module per
// service. Deploy with
//   az deployment group create -g chatlings-prod-rg -f deploy/azure/main.bicep \
//     -p @deploy/azure/parameters.prod.json -p postgresAdminPassword=... sessionSecret=... tokenKey=...
// (docs/operations.md walks through it). No Bicep compiler runs in this repository's CI (it has
// no network): the files are kept plain, reviewed by hand, and every API version is one that
// the modules' property names were checked against.
targetScope = 'resourceGroup'

@description('dev or prod: sizes, redundancy and the staging slot follow from it')
@allowed([ 'dev', 'prod' ])
param environmentName string

@description('Azure region of every resource (Front Door is global)')
param location string = resourceGroup().location

@description('Container image of the chatlings binary (deploy/docker/Dockerfile), e.g. myregistry.azurecr.io/chatlings:1.4.0')
param image string

@description('Administrator of the PostgreSQL server')
param postgresAdminLogin string = 'chatlingsadmin'

@secure()
@description('Its password (stored only in Key Vault, inside the database-url secret)')
param postgresAdminPassword string

@secure()
@description('CHATLINGS_SESSION_SECRET: 32+ random characters')
param sessionSecret string

@secure()
@description('CHATLINGS_TOKEN_KEY: base64 of 32 random bytes')
param tokenKey string

@secure()
@description('CHATLINGS_OIDC_CLIENT_SECRET (Google sign-in); empty to set it later in Key Vault')
param oidcClientSecret string = ''

@description('CHATLINGS_OIDC_CLIENT_ID (Google sign-in)')
param oidcClientId string = ''

@description('Where critical alerts go (e-mail; add SMS / PagerDuty to the action group by hand)')
param alertEmail string

@description('Public host name players use (custom domain on Front Door); empty = the Front Door endpoint host')
param publicHostName string = ''

var prod = environmentName == 'prod'
var suffix = environmentName
var names = {
  plan: 'chatlings-plan-${suffix}'
  web: 'chatlings-web-${suffix}'
  worker: 'chatlings-worker-${suffix}'
  db: 'chatlings-db-${suffix}'
  redis: 'chatlings-redis-${suffix}'
  storage: 'chatlingstorage${suffix}${take(uniqueString(resourceGroup().id), 6)}'
  frontDoor: 'chatlings-frontdoor-${suffix}'
  keyVault: 'chatlings-kv-${suffix}-${take(uniqueString(resourceGroup().id), 4)}'
  insights: 'chatlings-insights-${suffix}'
  logs: 'chatlings-logs-${suffix}'
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    insightsName: names.insights
    workspaceName: names.logs
    alertEmail: alertEmail
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    name: names.storage
    prod: prod
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    location: location
    name: names.db
    prod: prod
    adminLogin: postgresAdminLogin
    adminPassword: postgresAdminPassword
  }
}

module redis 'modules/redis.bicep' = {
  name: 'redis'
  params: {
    location: location
    name: names.redis
    prod: prod
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    name: names.keyVault
    prod: prod
    postgresAdminLogin: postgresAdminLogin
    postgresAdminPassword: postgresAdminPassword
    postgresFqdn: postgres.outputs.fqdn
    postgresReplicaFqdn: postgres.outputs.replicaFqdn
    redisName: redis.outputs.name
    sessionSecret: sessionSecret
    tokenKey: tokenKey
    oidcClientSecret: oidcClientSecret
    insightsName: names.insights
  }
}

module frontDoor 'modules/frontdoor.bicep' = {
  name: 'frontdoor'
  params: {
    name: names.frontDoor
    prod: prod
    originHostName: '${names.web}.azurewebsites.net'
  }
}

module apps 'modules/appservice.bicep' = {
  name: 'appservice'
  params: {
    location: location
    prod: prod
    planName: names.plan
    webName: names.web
    workerName: names.worker
    image: image
    keyVaultUri: keyVault.outputs.uri
    storageAccountName: storage.outputs.name
    publicUrl: 'https://${empty(publicHostName) ? frontDoor.outputs.endpointHostName : publicHostName}'
    frontDoorId: frontDoor.outputs.frontDoorId
    oidcClientId: oidcClientId
    logAnalyticsId: monitoring.outputs.workspaceId
  }
}

// The apps' managed identities: Key Vault GET/LIST (the seed's access policy) and blob data.
module access 'modules/access.bicep' = {
  name: 'access'
  params: {
    keyVaultName: names.keyVault
    storageAccountName: storage.outputs.name
    webPrincipalId: apps.outputs.webPrincipalId
    workerPrincipalId: apps.outputs.workerPrincipalId
    stagingPrincipalId: apps.outputs.stagingPrincipalId
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    insightsId: monitoring.outputs.insightsId
    planId: apps.outputs.planId
    webId: apps.outputs.webId
    postgresId: postgres.outputs.id
    redisId: redis.outputs.id
    criticalActionGroupId: monitoring.outputs.criticalActionGroupId
    warningActionGroupId: monitoring.outputs.warningActionGroupId
  }
}

output webUrl string = 'https://${frontDoor.outputs.endpointHostName}'
output keyVaultUri string = keyVault.outputs.uri
output storageAccount string = storage.outputs.name
