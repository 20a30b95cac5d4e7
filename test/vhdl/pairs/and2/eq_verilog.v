// Equivalent, in Verilog against the VHDL reference (mixed): De Morgan.
module and2(input a, input b, output y);
  assign y = ~(~a | ~b);
endmodule
