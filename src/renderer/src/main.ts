import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { API_KEY, isApi } from './api'
import { createAppRouter } from './router'

createApp(App)
  .provide(API_KEY, isApi(window.api) ? window.api : null)
  .use(createPinia())
  .use(createAppRouter())
  .mount('#app')
