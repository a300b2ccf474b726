// redis.bicep: Azure Cache for Redis on TLS only (port 6380, TLS 1.2), Standard C1 (dev) or
// Premium P1 (prod). maxmemory-policy volatile-lru, not the seed's allkeys-lru: job streams and
// leaderboards carry no TTL and must never be evicted (README "Redis memory policy").
// No clustering: the app's client (src/store/redis.c) speaks to one endpoint.
param location string
param name string
param prod bool

resource redis 'Microsoft.Cache/redis@2023-08-01' = {
  name: name
  location: location
  properties: {
    sku: prod ? { name: 'Premium', family: 'P', capacity: 1 } : { name: 'Standard', family: 'C', capacity: 1 }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
    redisVersion: '6'
    redisConfiguration: {
      'maxmemory-policy': 'volatile-lru'
      // Premium: RDB persistence as the seed says; it needs a storage connection string
      // ('rdb-storage-connection-string'), set after deployment (docs/operations.md).
    }
  }
}

output id string = redis.id
output name string = redis.name
output hostName string = redis.properties.hostName
