// Optional Notification Hubs namespace and hub for push coupons. Deployed only when enableNotificationHubs is
// true. Platform credentials (APNs, FCM v1) are added in the portal or with `az notification-hub credential`.
//
// Notification Hubs authorises sends only with shared access signatures (there is no Entra data-plane role),
// so the app uses the hub's send-only access policy below: the operator copies its connection string into the
// Key Vault secret that NOTIFICATION_HUBS_CONNECTION references (docs/deploy.md). This template never reads
// the key itself.

param namespaceName string
param hubName string = 'winback'
param location string
param tags object = {}

@allowed(['Free', 'Basic', 'Standard'])
param skuName string = 'Free'

resource namespace 'Microsoft.NotificationHubs/namespaces@2023-09-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: skuName
  }
  properties: {
    namespaceType: 'NotificationHub'
  }
}

resource hub 'Microsoft.NotificationHubs/namespaces/notificationHubs@2023-09-01' = {
  parent: namespace
  name: hubName
  location: location
  tags: tags
  properties: {}
}

resource sendPolicy 'Microsoft.NotificationHubs/namespaces/notificationHubs/AuthorizationRules@2023-09-01' = {
  parent: hub
  name: 'winback-send'
  properties: {
    rights: ['Send']
  }
}

output namespaceName string = namespace.name
output hubName string = hub.name
output sendPolicyName string = sendPolicy.name
