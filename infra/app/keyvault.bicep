// Key Vault for the webhook secrets, in RBAC mode (no access policies). The secrets themselves are NOT
// created here: a template would either carry the real value or overwrite it with a placeholder on every
// `azd provision`. Set them once after the first deployment (docs/deploy.md); the app settings reference
// them by name, so a new secret version is picked up without redeploying.

param name string
param location string
param tags object = {}

@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('Purge protection cannot be turned off again once on; recommended for production.')
param enablePurgeProtection bool = false

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // ARM drops null properties; sending `false` explicitly is rejected once protection has been enabled.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
