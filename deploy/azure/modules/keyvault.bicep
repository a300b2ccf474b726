// keyvault.bicep: Key Vault (Standard) holding every secret the app reads at start-up
// (src/integrations/keyvault.c: CHATLINGS_KEYVAULT_URL + managed identity). Secret names are
// the app's default mapping (KEYVAULT_DEFAULT_SECRETS). Access: the apps' identities get GET and
// LIST (access.bicep); deployment pipelines get GET/LIST/SET through their own policy; developers
// none (the seed's rule: emergency access through the Azure CLI with a just-in-time policy).
param location string
param name string
param prod bool
param postgresAdminLogin string
@secure()
param postgresAdminPassword string
param postgresFqdn string
param postgresReplicaFqdn string
param redisName string
@secure()
param sessionSecret string
@secure()
param tokenKey string
@secure()
param oidcClientSecret string
param insightsName string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: false      // access policies, as the seed lists them
    accessPolicies: []                  // added by access.bicep once the identities exist
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: prod ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource redis 'Microsoft.Cache/redis@2023-08-01' existing = {
  name: redisName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: insightsName
}

var password = uriComponent(postgresAdminPassword)
var secrets = [
  { name: 'database-url', value: 'postgresql://${postgresAdminLogin}:${password}@${postgresFqdn}:5432/chatlings?sslmode=require' }
  { name: 'database-read-url', value: empty(postgresReplicaFqdn) ? '' : 'postgresql://${postgresAdminLogin}:${password}@${postgresReplicaFqdn}:5432/chatlings?sslmode=require' }
  { name: 'redis-url', value: 'rediss://:${redis.listKeys().primaryKey}@${redis.properties.hostName}:6380/0' }
  { name: 'session-secret', value: sessionSecret }
  { name: 'token-key', value: tokenKey }
  { name: 'oidc-client-secret', value: oidcClientSecret }
  { name: 'appinsights-connection-string', value: insights.properties.ConnectionString }
]

// An empty value means "not configured": no secret, and the app keeps its default.
resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for s in secrets: if (!empty(s.value)) {
  parent: vault
  name: s.name
  properties: {
    value: s.value
    contentType: 'text/plain'
  }
}]

output uri string = vault.properties.vaultUri
output name string = vault.name
