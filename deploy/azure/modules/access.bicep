// access.bicep: what the apps' managed identities may do, and nothing more: read secrets (Key
// Vault GET, LIST, the seed's policy) and read/write blobs (Storage Blob Data Contributor).
// Role assignment names must be known when the deployment starts, so each identity has its
// own resource with a fixed name seed, rather than a loop over runtime principal ids.
param keyVaultName string
param storageAccountName string
param webPrincipalId string
param workerPrincipalId string
@description('The staging slot\'s identity; empty when there is no slot')
param stagingPrincipalId string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

var readers = concat([ webPrincipalId, workerPrincipalId ], empty(stagingPrincipalId) ? [] : [ stagingPrincipalId ])

resource policies 'Microsoft.KeyVault/vaults/accessPolicies@2023-07-01' = {
  parent: vault
  name: 'add'
  properties: {
    accessPolicies: [for id in readers: {
      tenantId: subscription().tenantId
      objectId: id
      permissions: { secrets: [ 'get', 'list' ] }
    }]
  }
}

resource account 'Microsoft.Storage/storageAccounts@2023-01-01' existing = {
  name: storageAccountName
}

var blobDataContributor = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')

resource webBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, 'chatlings-web', blobDataContributor)
  scope: account
  properties: { roleDefinitionId: blobDataContributor, principalId: webPrincipalId, principalType: 'ServicePrincipal' }
}

resource workerBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, 'chatlings-worker', blobDataContributor)
  scope: account
  properties: { roleDefinitionId: blobDataContributor, principalId: workerPrincipalId, principalType: 'ServicePrincipal' }
}

resource stagingBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(stagingPrincipalId)) {
  name: guid(account.id, 'chatlings-web-staging', blobDataContributor)
  scope: account
  properties: { roleDefinitionId: blobDataContributor, principalId: stagingPrincipalId, principalType: 'ServicePrincipal' }
}
