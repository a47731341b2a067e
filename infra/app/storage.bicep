// The app's storage account: Functions host storage (AzureWebJobsStorage over the managed identity), the Flex
// Consumption deployment package container, and the segment snapshot container the code writes to.
// Shared-key access is off, so nothing can reach this account with an account key or a SAS signed by one.

param name string
param location string
param tags object = {}

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS'])
param skuName string = 'Standard_LRS'

@description('Blob container Flex Consumption deploys the app package into.')
param deploymentContainerName string

@description('Blob container for segment run snapshots (app setting SNAPSHOT_CONTAINER).')
param snapshotContainerName string
@description('Blob container of printed-coupon batches; empty = none.')
param printContainerName string = ''
@description('Days the mail-house files and pending letters (names and postal addresses) are kept.')
@minValue(1)
param printRetentionDays int = 90

@description('Snapshots under <container>/segments/<runId>/ (the analyst\'s copy) older than this are deleted by a lifecycle rule.')
@minValue(1)
param snapshotRetentionDays int = 30
@description('Days the shard work files under <container>/segment-work/<runId>/ are kept: read only while the run is in progress, or when a failed run is resumed.')
@minValue(2)
param segmentWorkRetentionDays int = 3
@description('Days the customer state files under <container>/segment-state/<runId>/ are kept: the next run\'s baseline. Nights without a completed run longer than this make the next run read every customer document instead.')
@minValue(2)
param segmentStateRetentionDays int = 14
@description('Days the outbox files under <container>/outbox/ (rendered messages of channels without a provider; they name people) are kept.')
@minValue(1)
param outboxRetentionDays int = 90

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // A mistaken delete of a snapshot or of the deployment package can be undone for a week.
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource snapshotContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: snapshotContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The mail house's container for printed coupons (print/<date>.csv and .pdf); give the mail house read access
// to this container only (a user-delegation SAS or an RBAC role scoped to it).
resource printContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = if (!empty(printContainerName)) {
  parent: blobService
  name: !empty(printContainerName) ? printContainerName : 'unused'
  properties: {
    publicAccess: 'None'
  }
}

// Letters name people and their addresses: the mail house has them for printRetentionDays, then they go.
var printRules = empty(printContainerName) ? [] : [
  {
    name: 'expire-print-files'
    enabled: true
    type: 'Lifecycle'
    definition: {
      filters: {
        blobTypes: ['blockBlob']
        prefixMatch: ['${printContainerName}/print/']
      }
      actions: {
        baseBlob: {
          delete: {
            daysAfterModificationGreaterThan: printRetentionDays
          }
        }
      }
    }
  }
]

// The snapshot container's folders (shared/resources.ts snapshotFolders) and how long each is kept; without
// expiry every nightly run's snapshot, work and state files would accumulate forever. kpis/ is kept.
// State files must outlive the gap between two completed runs: the next run compares against the latest
// completed run's files (normally a day old); once they are gone it falls back to reading every document.
var snapshotRules = [
  {
    name: 'expire-segment-snapshots'
    enabled: true
    type: 'Lifecycle'
    definition: {
      filters: {
        blobTypes: ['blockBlob']
        prefixMatch: ['${snapshotContainerName}/segments/']
      }
      actions: {
        baseBlob: {
          delete: {
            daysAfterModificationGreaterThan: snapshotRetentionDays
          }
        }
      }
    }
  }
  {
    name: 'expire-segment-work'
    enabled: true
    type: 'Lifecycle'
    definition: {
      filters: {
        blobTypes: ['blockBlob']
        prefixMatch: ['${snapshotContainerName}/segment-work/']
      }
      actions: {
        baseBlob: {
          delete: {
            daysAfterModificationGreaterThan: segmentWorkRetentionDays
          }
        }
      }
    }
  }
  {
    name: 'expire-segment-state'
    enabled: true
    type: 'Lifecycle'
    definition: {
      filters: {
        blobTypes: ['blockBlob']
        prefixMatch: ['${snapshotContainerName}/segment-state/']
      }
      actions: {
        baseBlob: {
          delete: {
            daysAfterModificationGreaterThan: segmentStateRetentionDays
          }
        }
      }
    }
  }
  {
    name: 'expire-outbox'
    enabled: true
    type: 'Lifecycle'
    definition: {
      filters: {
        blobTypes: ['blockBlob']
        prefixMatch: ['${snapshotContainerName}/outbox/']
      }
      actions: {
        baseBlob: {
          delete: {
            daysAfterModificationGreaterThan: outboxRetentionDays
          }
        }
      }
    }
  }
]

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: concat(snapshotRules, printRules)
    }
  }
  dependsOn: [snapshotContainer]
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output deploymentContainerName string = deploymentContainer.name
output snapshotContainerName string = snapshotContainer.name
