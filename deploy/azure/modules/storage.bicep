// storage.bicep: Blob Storage (Hot) for artwork, thumbnails, avatars, assets, backups and logs
// (src/store/blob.c BLOB_CONTAINERS). The seed's rules: soft delete 7 days, versioning, backups
// and logs to Cool after 90 days; LRS in dev, ZRS in prod. No public blob access: pictures are
// served through the app (and cached by Front Door); the apps use managed identity, no key.
param location string
param name string
param prod bool

resource account 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: name
  location: location
  kind: 'StorageV2'
  sku: { name: prod ? 'Standard_ZRS' : 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: true      // SAS URLs for pictures (blob_sas_url) need the account key
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-01-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
    isVersioningEnabled: true
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01' = [for c in [ 'artwork', 'thumbs', 'avatars', 'assets', 'backups', 'logs' ]: {
  parent: blobs
  name: c
  properties: { publicAccess: 'None' }
}]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-01-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'cool-after-90-days'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: [ 'blockBlob' ], prefixMatch: [ 'backups/', 'logs/' ] }
            actions: { baseBlob: { tierToCool: { daysAfterModificationGreaterThan: 90 } } }
          }
        }
        {
          // `chatlings backup` keeps 35 days itself; this only catches what a broken job left
          name: 'backups-safety-net'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: [ 'blockBlob' ], prefixMatch: [ 'backups/' ] }
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: 60 } }
              version: { delete: { daysAfterCreationGreaterThan: 7 } }
            }
          }
        }
      ]
    }
  }
}

output name string = account.name
output id string = account.id
