// frontdoor.bicep: Azure Front Door (Standard in dev, Premium with the managed WAF rules in prod)
// in front of the web app: HTTPS only, compression, and the seed's caching rules:
//   /assets/*, /user/components/*  cached 365 days / 1 day, query strings ignored
//   /api/*                         never cached, compressed
//   *.html                         1 hour, compressed
// plus a per-IP rate limit (what deploy/nginx/chatlings.conf does with limit_req elsewhere).
param name string
param prod bool
param originHostName string

resource profile 'Microsoft.Cdn/profiles@2023-05-01' = {
  name: name
  location: 'global'
  sku: { name: prod ? 'Premium_AzureFrontDoor' : 'Standard_AzureFrontDoor' }
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2023-05-01' = {
  parent: profile
  name: 'chatlings'
  location: 'global'
  properties: { enabledState: 'Enabled' }
}

resource originGroup 'Microsoft.Cdn/profiles/originGroups@2023-05-01' = {
  parent: profile
  name: 'web'
  properties: {
    loadBalancingSettings: { sampleSize: 4, successfulSamplesRequired: 3, additionalLatencyInMilliseconds: 50 }
    healthProbeSettings: { probePath: '/healthz', probeRequestType: 'GET', probeProtocol: 'Https', probeIntervalInSeconds: 30 }
    sessionAffinityState: 'Disabled'   // sessions live in Redis: any instance will do
  }
}

resource origin 'Microsoft.Cdn/profiles/originGroups/origins@2023-05-01' = {
  parent: originGroup
  name: 'web-app'
  properties: {
    hostName: originHostName
    originHostHeader: originHostName
    httpPort: 80
    httpsPort: 443
    priority: 1
    weight: 1000
    enforceCertificateNameCheck: true
  }
}

resource rules 'Microsoft.Cdn/profiles/ruleSets@2023-05-01' = {
  parent: profile
  name: 'caching'
}

var compressible = [ 'application/json', 'text/html', 'text/css', 'text/javascript', 'application/javascript', 'image/svg+xml', 'application/manifest+json', 'text/plain' ]

resource assetsRule 'Microsoft.Cdn/profiles/ruleSets/rules@2023-05-01' = {
  parent: rules
  name: 'staticAssets'
  properties: {
    order: 1
    conditions: [ { name: 'UrlPath', parameters: { typeName: 'DeliveryRuleUrlPathMatchConditionParameters', operator: 'BeginsWith', matchValues: [ '/assets/' ], transforms: [], negateCondition: false } } ]
    actions: [ { name: 'RouteConfigurationOverride', parameters: { typeName: 'DeliveryRuleRouteConfigurationOverrideActionParameters', cacheConfiguration: { queryStringCachingBehavior: 'IgnoreQueryString', cacheBehavior: 'OverrideAlways', cacheDuration: '365.00:00:00', isCompressionEnabled: 'Enabled' } } } ]
    matchProcessingBehavior: 'Stop'
  }
}

resource componentsRule 'Microsoft.Cdn/profiles/ruleSets/rules@2023-05-01' = {
  parent: rules
  name: 'userComponents'
  properties: {
    order: 2
    conditions: [ { name: 'UrlPath', parameters: { typeName: 'DeliveryRuleUrlPathMatchConditionParameters', operator: 'BeginsWith', matchValues: [ '/user/components/' ], transforms: [], negateCondition: false } } ]
    actions: [ { name: 'RouteConfigurationOverride', parameters: { typeName: 'DeliveryRuleRouteConfigurationOverrideActionParameters', cacheConfiguration: { queryStringCachingBehavior: 'IgnoreQueryString', cacheBehavior: 'OverrideAlways', cacheDuration: '1.00:00:00', isCompressionEnabled: 'Enabled' } } } ]
    matchProcessingBehavior: 'Stop'
  }
}

resource apiRule 'Microsoft.Cdn/profiles/ruleSets/rules@2023-05-01' = {
  parent: rules
  name: 'apiNoCache'
  properties: {
    order: 3
    conditions: [ { name: 'UrlPath', parameters: { typeName: 'DeliveryRuleUrlPathMatchConditionParameters', operator: 'BeginsWith', matchValues: [ '/api/', '/auth/', '/ws' ], transforms: [], negateCondition: false } } ]
    // no cacheConfiguration = caching disabled for the match; the route enables compression
    actions: [ { name: 'RouteConfigurationOverride', parameters: { typeName: 'DeliveryRuleRouteConfigurationOverrideActionParameters' } } ]
    matchProcessingBehavior: 'Stop'
  }
}

resource htmlRule 'Microsoft.Cdn/profiles/ruleSets/rules@2023-05-01' = {
  parent: rules
  name: 'htmlPages'
  properties: {
    order: 4
    conditions: [ { name: 'UrlFileExtension', parameters: { typeName: 'DeliveryRuleUrlFileExtensionMatchConditionParameters', operator: 'Equal', matchValues: [ 'html' ], transforms: [ 'Lowercase' ], negateCondition: false } } ]
    actions: [ { name: 'RouteConfigurationOverride', parameters: { typeName: 'DeliveryRuleRouteConfigurationOverrideActionParameters', cacheConfiguration: { queryStringCachingBehavior: 'UseQueryString', cacheBehavior: 'OverrideAlways', cacheDuration: '0.01:00:00', isCompressionEnabled: 'Enabled' } } } ]
    matchProcessingBehavior: 'Stop'
  }
}

resource route 'Microsoft.Cdn/profiles/afdEndpoints/routes@2023-05-01' = {
  parent: endpoint
  name: 'all'
  properties: {
    originGroup: { id: originGroup.id }
    ruleSets: [ { id: rules.id } ]
    supportedProtocols: [ 'Http', 'Https' ]
    patternsToMatch: [ '/*' ]
    forwardingProtocol: 'HttpsOnly'
    httpsRedirect: 'Enabled'
    linkToDefaultDomain: 'Enabled'
    // caching on the route so the rules can override it; what no rule matches is cached only
    // as the app's own Cache-Control allows (the API says no-store)
    cacheConfiguration: {
      queryStringCachingBehavior: 'UseQueryString'
      compressionSettings: { isCompressionEnabled: true, contentTypesToCompress: compressible }
    }
  }
  dependsOn: [ origin, assetsRule, componentsRule, apiRule, htmlRule ]
}

resource waf 'Microsoft.Network/FrontDoorWebApplicationFirewallPolicies@2022-05-01' = {
  name: replace('${name}waf', '-', '')
  location: 'global'
  sku: { name: prod ? 'Premium_AzureFrontDoor' : 'Standard_AzureFrontDoor' }
  properties: {
    policySettings: { enabledState: 'Enabled', mode: 'Prevention' }
    customRules: {
      rules: [
        {
          name: 'PerIpRateLimit'
          priority: 100
          ruleType: 'RateLimitRule'
          rateLimitDurationInMinutes: 1
          rateLimitThreshold: 1800          // 30 requests/s per client IP, as nginx's api zone
          matchConditions: [ { matchVariable: 'RequestUri', operator: 'RegEx', matchValue: [ '.*' ] } ]
          action: 'Block'
        }
      ]
    }
    // OWASP protection (the seed's "WAF Rules: OWASP Top 10"): managed rule sets need Premium
    managedRules: prod ? {
      managedRuleSets: [
        { ruleSetType: 'Microsoft_DefaultRuleSet', ruleSetVersion: '2.1', ruleSetAction: 'Block' }
        { ruleSetType: 'Microsoft_BotManagerRuleSet', ruleSetVersion: '1.0' }
      ]
    } : { managedRuleSets: [] }
  }
}

resource security 'Microsoft.Cdn/profiles/securityPolicies@2023-05-01' = {
  parent: profile
  name: 'waf'
  properties: {
    parameters: {
      type: 'WebApplicationFirewall'
      wafPolicy: { id: waf.id }
      associations: [ { domains: [ { id: endpoint.id } ], patternsToMatch: [ '/*' ] } ]
    }
  }
}

output endpointHostName string = endpoint.properties.hostName
output frontDoorId string = profile.properties.frontDoorId
