import { createPinia } from 'pinia'
import { createApp } from 'vue'
import 'uplot/dist/uPlot.min.css'
import './styles/theme.css'
import App from './App.vue'
import { API_KEY, isApi, type Api } from './api'
import { createAppRouter } from './router'
import { webApiFromLocation } from './host/webApi'

/** Electron's preload provides window.api; in a browser the web host's client takes its place. */
function hostApi(): Api | null {
  if (isApi(window.api)) return window.api
  return webApiFromLocation()
}

createApp(App).provide(API_KEY, hostApi()).use(createPinia()).use(createAppRouter()).mount('#app')
