// Optional Notification Hubs namespace and hub for push coupons. Deployed only when enableNotificationHubs is
// true. Platform credentials (APNs, FCM v1) are added in the portal or with `az notification-hub credential`.

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

output namespaceName string = namespace.name
output hubName string = hub.name
