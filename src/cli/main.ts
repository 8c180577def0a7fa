console.log('backprop-stepper: CLI under construction');
