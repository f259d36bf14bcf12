import { createPinia } from 'pinia'
import { createApp } from 'vue'
import 'uplot/dist/uPlot.min.css'
import './styles/theme.css'
import App from './App.vue'
import { API_KEY } from './api'
import { chooseApi } from './host/webApi'
import { createAppRouter } from './router'

// Electron's preload provides window.api; a page from the web host gets its HTTP/WebSocket client.
createApp(App).provide(API_KEY, chooseApi(window.api)).use(createPinia()).use(createAppRouter()).mount('#app')
